import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore

/// What an entry would do to margin, as the venue previewed it (IB's what-if) or Reg-T computed it.
public struct MarginPreview: Sendable, Equatable, Codable {
    /// Change of initial margin the order would make, dollars.
    public var initialMarginChange: Double
    /// Change of maintenance margin, dollars.
    public var maintenanceMarginChange: Double
    /// Available funds before the order (equity with loan less initial margin).
    public var availableFunds: Double
    /// Commission the venue expects, when it says.
    public var commission: Double?
    /// "ib_whatif" or "reg_t".
    public var source: String

    /// A preview from its values.
    public init(
        initialMarginChange: Double, maintenanceMarginChange: Double, availableFunds: Double, commission: Double?,
        source: String
    ) {
        self.initialMarginChange = initialMarginChange
        self.maintenanceMarginChange = maintenanceMarginChange
        self.availableFunds = availableFunds
        self.commission = commission
        self.source = source
    }
}

extension JournalKind {
    /// The margin an entry needed and the funds it had (data: the `MarginPreview` and the reserve).
    public static let marginCheck = JournalKind(rawValue: "margin_check")
}

extension TradingEngine {
    // MARK: Risk book

    /// Keeps each symbol's latest chain, for the book's greeks across symbols.
    public func remember(_ pictures: [MarketPicture]) {
        for p in pictures { chains[p.symbol] = p.chain }
    }

    /// The risk book of what is held now, from the latest chains seen.
    public func riskBook(now: Date) throws -> RiskBook {
        let held = try journal.positions(status: [.open, .closing])
        return RiskBook.build(
            positions: held, chains: chains, betas: betas(for: Set(held.map(\.symbol)), now: now))
    }

    /// Beta to SPY per symbol from stored daily closes (1 when the store has too few), once a day.
    func betas(for symbols: Set<String>, now: Date) -> [String: Double] {
        let today = calendar.tradingDay(of: now)
        var out: [String: Double] = [:]
        for symbol in symbols {
            if symbol == "SPY" {
                out[symbol] = 1
                continue
            }
            if let cached = betaCache[symbol], cached.day == today {
                out[symbol] = cached.beta
                continue
            }
            var beta = 1.0
            if let history = prices as? any DailyBarHistory {
                let count = settings.model.betaLookbackDays + 1
                do {
                    beta =
                        Beta.estimate(
                            try history.bars(symbol: symbol, count: count),
                            benchmark: try history.bars(symbol: "SPY", count: count),
                            lookback: settings.model.betaLookbackDays) ?? 1
                } catch {
                    logger.warning("beta: stored bars unreadable; 1.0 stands in", metadata: ["error": "\(error)"])
                }
            }
            betaCache[symbol] = (today, beta)
            out[symbol] = beta
        }
        return out
    }

    /// The candidate with its odds and its greeks (beta-weighted against SPY's latest chain).
    func withRisk(_ candidate: TradeCandidate, picture: MarketPicture, now: Date) -> TradeCandidate {
        var c = candidate
        let spot = picture.price ?? picture.chain.underlyingPrice
        if let spot {
            c.odds = CandidateOdds.evaluate(
                candidate, spot: spot, chain: picture.chain, ivRank: picture.ivRank, now: now,
                rate: settings.model.riskFreeRate)
        }
        let beta = betas(for: [candidate.symbol], now: now)[candidate.symbol] ?? 1
        let spySpot = candidate.symbol == "SPY" ? spot : chains["SPY"]?.underlyingPrice
        c.greeks = candidate.legs.reduce(BookGreeks()) { total, leg in
            total
                + BookGreeks.of(
                    leg.option.greeks, contracts: leg.action.sign * Double(candidate.quantity),
                    multiplier: Double(leg.option.contract.multiplier), beta: beta, spot: spot, spySpot: spySpot)
        }
        return c
    }

    /// The odds as the journal keeps them with an opened position (what `report --calibration` reads).
    static func oddsData(_ odds: CandidateOdds?, position: Int64) -> String? {
        guard let odds else { return nil }
        return String(
            format:
                "{\"position\":%lld,\"pop\":%.4f,\"touch\":%.4f,\"expected_move\":%@,\"credit_to_max_loss\":%.4f,\"short_delta\":%.4f,\"iv_rank\":%.2f}",
            position, odds.pop, odds.touch, odds.expectedMove.map { String(format: "%.4f", $0) } ?? "null",
            odds.creditToMaxLoss, odds.shortDelta, odds.ivRank)
    }

    // MARK: Margin before orders

    /// Checks the entry's initial margin before anything is journaled or sent: the venue's preview (IB's
    /// what-if) when it has one, else Reg-T computed here; the figures go to the journal. Returns the
    /// refusal, or nil to go ahead.
    func marginRefusal(_ candidate: TradeCandidate, now: Date) async -> String? {
        let legs = candidate.legs.map { leg in
            LegRecord(action: leg.action, contract: leg.option.contract, ratio: 1, entryPrice: leg.option.quote.mid)
        }
        let ticket = OrderTicket(
            orderRef: "\(OrderRef.prefix)whatif-\(Int(now.timeIntervalSince1970))", symbol: candidate.symbol,
            purpose: .open, legs: legs, legMids: candidate.legs.map { $0.option.quote.mid ?? 0 },
            legNaturals: candidate.legs.map { Self.natural($0.option.quote, $0.action) }, quantity: candidate.quantity,
            mid: -candidate.credit, natural: -candidate.naturalCredit)
        let preview: MarginPreview
        do {
            if let venuePreview = try await venue.marginPreview(
                ticket, limit: settings.pricing.limit(for: ticket, attempt: 0))
            {
                preview = venuePreview
            } else {
                preview = try regTPreview(candidate)
            }
        } catch {
            // The venue refused the what-if order itself (not a paper account, a rejected contract, ...).
            journal(now, .orderRefused, candidate.symbol, "what-if for \(candidate.summary) refused: \(error)")
            return "margin: the what-if order failed: \(error)"
        }
        let reserve = settings.limits.marginReserve
        let ok = preview.initialMarginChange <= preview.availableFunds - reserve
        let message = String(
            format: "%@ %@: initial margin change %.2f, maintenance %.2f, available funds %.2f, reserve %.2f (%@)",
            candidate.symbol, candidate.summary, preview.initialMarginChange, preview.maintenanceMarginChange,
            preview.availableFunds, reserve, ok ? "ok" : "refused")
        do {
            try journal.append(
                JournalEvent(
                    time: now, kind: .marginCheck, symbol: candidate.symbol, message: message,
                    data: String(
                        format:
                            "{\"initial_margin_change\":%.2f,\"maintenance_margin_change\":%.2f,\"available_funds\":%.2f,\"reserve\":%.2f,\"commission\":%@,\"source\":\"%@\"}",
                        preview.initialMarginChange, preview.maintenanceMarginChange, preview.availableFunds, reserve,
                        preview.commission.map { String(format: "%.2f", $0) } ?? "null", preview.source)))
        } catch {
            logger.error("journal write failed", metadata: ["error": "\(error)", "journal.kind": "margin_check"])
        }
        return ok
            ? nil
            : String(
                format: "margin: initial margin change %.2f exceeds available funds %.2f less risk.margin_reserve %.2f",
                preview.initialMarginChange, preview.availableFunds, reserve)
    }

    /// Reg-T for a venue that previews nothing: the structure's requirement against the book's equity
    /// less what the held positions require.
    func regTPreview(_ candidate: TradeCandidate) throws -> MarginPreview {
        let held = try journal.positions(status: [.open, .closing, .opening])
        let heldMargin = held.reduce(0.0) { $0 + (RegTRequirement.initial(of: $1) ?? 0) }
        let need =
            RegTRequirement.initial(
                candidate.legs.map { ($0.option.contract, $0.action.sign * Double(candidate.quantity)) }) ?? .infinity
        return MarginPreview(
            initialMarginChange: need, maintenanceMarginChange: need, availableFunds: try summary().equity - heldMargin,
            commission: nil, source: "reg_t")
    }
}
