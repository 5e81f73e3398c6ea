import Foundation
import OptionsModel
import SnapshotStore
import Testing

@testable import Trading

/// A bull put spread 590/585 expiring in `dte` days, opened for `credit`.
func putSpread(dte: Int = 44, credit: Double = 1.50, id: Int64 = 1) -> PositionRecord {
    let expiry = today.adding(days: dte)
    return PositionRecord(
        id: id, symbol: "SPY", structure: .bullPutSpread, status: .open, openedAt: now, quantity: 1,
        expiry: expiry,
        legs: [
            LegRecord(
                action: .sell, contract: OptionContract(symbol: "SPY", expiry: expiry, strike: 590, right: .put)),
            LegRecord(action: .buy, contract: OptionContract(symbol: "SPY", expiry: expiry, strike: 585, right: .put)),
        ], entryCredit: credit, maxLoss: (5 - credit) * 100)
}

/// A chain quoting the spread's two legs so the spread's mid is `debit` (short delta given).
func legsChain(for p: PositionRecord, debit: Double, shortDelta: Double = -0.25, spot: Double = 600) -> ChainSnapshot {
    let short = p.legs[0].contract, long = p.legs[1].contract
    let longMid = 1.0
    return ChainSnapshot(
        symbol: "SPY", timestamp: now, underlyingPrice: spot,
        options: [
            OptionQuote(
                contract: short, quote: Quote(bid: longMid + debit - 0.05, ask: longMid + debit + 0.05),
                greeks: Greeks(impliedVolatility: 0.2, delta: shortDelta), underlyingPrice: spot, source: .simulator),
            OptionQuote(
                contract: long, quote: Quote(bid: longMid - 0.05, ask: longMid + 0.05),
                greeks: Greeks(impliedVolatility: 0.2, delta: shortDelta / 2), underlyingPrice: spot,
                source: .simulator),
        ], source: .simulator)
}

@Suite struct PositionManagementTests {
    let rules = ExitRules()

    func reason(_ p: PositionRecord, debit: Double, delta: Double = -0.25, spot: Double = 600) -> ExitReason? {
        let mark = PositionManagement.mark(p, chain: legsChain(for: p, debit: debit, shortDelta: delta, spot: spot))
        return PositionManagement.exitReason(p, mark: mark, today: today, rules: rules)
    }

    @Test func markIsTheCostToCloseAtMidAndNatural() throws {
        let p = putSpread()
        let mark = try #require(PositionManagement.mark(p, chain: legsChain(for: p, debit: 0.80)))
        #expect(abs(mark.debit - 0.80) < 1e-9)
        // Natural: buy the short at its ask, sell the long at its bid.
        #expect(abs(mark.naturalDebit - 0.90) < 1e-9)
        #expect(mark.shortDelta == 0.25 && mark.underlying == 600)
        #expect(abs(mark.unrealized(credit: 1.5, quantity: 2) - 140) < 1e-9)
        var missing = legsChain(for: p, debit: 0.8)
        missing.options.removeLast()
        #expect(PositionManagement.mark(p, chain: missing) == nil)
        #expect(PositionManagement.unquotedLegs(p, chain: missing) == ["SPY \(p.expiry) 585 P not in the chain"])
    }

    @Test func holdsInsideEveryLimit() {
        #expect(reason(putSpread(), debit: 1.2) == nil)
    }

    @Test func takeProfitAtHalfTheCredit() {
        #expect(reason(putSpread(), debit: 0.75) == .takeProfit)
        #expect(reason(putSpread(), debit: 0.76) == nil)
    }

    @Test func stopLossWhenTheSpreadCostsTwiceTheCredit() {
        // A 1.50 credit on a $5 spread (the 30% floor): the stop fires when buying it back costs 3.00,
        // a loss of one credit, well before max loss (3.50), not at a 4.50 debit (90% of max loss).
        #expect(reason(putSpread(), debit: 3.0) == .stopLoss)
        #expect(reason(putSpread(), debit: 2.95) == nil)
        #expect(reason(putSpread(), debit: 3.0 + 1e-9).map { $0.isRiskExit } == true)
    }

    @Test func exitWindowHoldsProfitTakingButNotRiskExits() {
        var r = ExitRules()
        r.window = (9 * 60 + 45)...(15 * 60 + 45)
        #expect(!r.allows(.takeProfit, minute: 9 * 60 + 30) && !r.allows(.dteExit, minute: 9 * 60 + 30))
        #expect(r.allows(.takeProfit, minute: 10 * 60))
        for risk in [ExitReason.stopLoss, .shortStrikeBreached, .shortDelta, .expiry] {
            #expect(r.allows(risk, minute: 9 * 60 + 30))
        }
        // A breached position in profit: both rules are met and the risk exit is the one allowed early.
        let p = putSpread(credit: 1.5)
        let mark = PositionManagement.mark(p, chain: legsChain(for: p, debit: 0.5, spot: 589))
        let reasons = PositionManagement.exitReasons(p, mark: mark, today: today, rules: r)
        #expect(reasons.first == .takeProfit && reasons.contains(.shortStrikeBreached))
        #expect(reasons.first { r.allows($0, minute: 9 * 60 + 30) } == .shortStrikeBreached)
    }

    @Test func dteExitAndCloseBeforeExpiry() {
        #expect(reason(putSpread(dte: 21), debit: 1.2) == .dteExit)
        #expect(reason(putSpread(dte: 22), debit: 1.2) == nil)
        var noDTE = rules
        noDTE.exitDTE = 0
        let p = putSpread(dte: 1)
        let mark = PositionManagement.mark(p, chain: legsChain(for: p, debit: 1.2))
        #expect(PositionManagement.exitReason(p, mark: mark, today: today, rules: noDTE) == .expiry)
        // Without quotes the calendar rules still apply (the trader then waits for quotes to close).
        #expect(PositionManagement.exitReason(putSpread(dte: 10), mark: nil, today: today, rules: rules) == .dteExit)
    }

    @Test func breachedShortStrikeAndShortDelta() {
        #expect(reason(putSpread(), debit: 1.2, spot: 589) == .shortStrikeBreached)
        #expect(reason(putSpread(), debit: 1.2, delta: -0.55) == .shortDelta)
        #expect(reason(putSpread(), debit: 1.2, delta: -0.45) == nil)
    }

    @Test func settlementIsIntrinsicValue() {
        let p = putSpread()
        #expect(PositionManagement.settlementDebit(p, underlying: 600) == 0)
        #expect(PositionManagement.settlementDebit(p, underlying: 588) == 2)
        #expect(PositionManagement.settlementDebit(p, underlying: 500) == 5)
    }
}

@Suite struct PortfolioAndVenueTests {
    @Test func summaryAddsUpCashEquityAndPnL() {
        var closedWin = putSpread(credit: 1.5, id: 1)
        closedWin.status = .closed
        closedWin.exitDebit = 0.5
        closedWin.realizedPnL = 97.4
        closedWin.closedAt = now.addingTimeInterval(7200)
        var closedLoss = putSpread(credit: 1.0, id: 2)
        closedLoss.status = .closed
        closedLoss.exitDebit = 3.0
        closedLoss.realizedPnL = -202.6
        closedLoss.closedAt = now.addingTimeInterval(3600)
        let open = putSpread(credit: 2.0, id: 3)
        let fills = (0..<6).map { i in
            FillRecord(
                execId: "e\(i)", orderRef: "r", ibOrderId: nil, time: now, symbol: "SPY", leg: "x", side: .sold,
                quantity: 1, price: 1, commission: 0.65)
        }
        let s = PortfolioSummary.summarize(
            positions: [closedWin, closedLoss, open], marks: [3: 1.2], fills: fills, startingCash: 10_000)
        // Cash is what the fills moved (six contracts sold at 1.00) less their commissions.
        #expect(abs(s.cash - (10_000 - 3.9 + 600)) < 1e-9)
        #expect(abs(s.equity - (s.cash - 120)) < 1e-9)
        #expect(abs(s.unrealizedPnL - 80) < 1e-9 && abs(s.realizedPnL - -105.2) < 1e-9)
        #expect(s.openPositions == 1 && s.closedTrades == 2 && s.winRate == 0.5 && s.openRisk == 300)
        #expect(s.averageHoldHours == 1.5)
    }

    @Test func limitsWalkFromMidTowardNaturalAndStop() {
        var pricing = PricingPolicy()
        pricing.repriceStep = 0.05
        let credit = OrderTicket(
            orderRef: "r", symbol: "SPY", purpose: .open, legs: [], quantity: 1, mid: -1.20, natural: -1.08)
        #expect(pricing.limit(for: credit, attempt: 0) == -1.20)
        #expect(pricing.limit(for: credit, attempt: 1) == -1.15)
        #expect(pricing.limit(for: credit, attempt: 3) == -1.08)
        let debit = OrderTicket(
            orderRef: "r", symbol: "SPY", purpose: .close, legs: [], quantity: 1, mid: 0.80, natural: 0.90)
        #expect(pricing.limit(for: debit, attempt: 1) == 0.85)
        #expect(pricing.limit(for: debit, attempt: 9) == 0.90)
        pricing.limitOffset = 0.02
        #expect(pricing.limit(for: debit, attempt: 0) == 0.82)
    }

    @Test func simulatedVenueFillsEachLegAtItsMidLessSlippagePlusCommission() async throws {
        let p = putSpread()
        let legs = p.legs.map { LegRecord(action: $0.action, contract: $0.contract, entryPrice: 1) }
        let venue = SimulatedVenue()
        var pricing = PricingPolicy()
        pricing.slippage = 0.03
        pricing.commissionPerContract = 0.5
        let result = try await venue.execute(
            OrderTicket(
                orderRef: "pt-1-open-1", symbol: "SPY", purpose: .open, legs: legs, legMids: [2.0, 0.5], quantity: 2,
                mid: -1.50, natural: -1.40),
            pricing: pricing, now: now)
        #expect(result.status == .filled && abs((result.netPrice ?? 0) - -1.47) < 1e-9 && result.filledQuantity == 2)
        // The legs carry the slipped prices, so they add up to the net (the short sold below its mid).
        #expect(result.fills.map(\.price) == [2.0 - 0.015, 0.5 + 0.015])
        // A closing ticket is priced the same way: never at zero.
        let close = try await venue.execute(
            OrderTicket(
                orderRef: "pt-1-close-1", symbol: "SPY", purpose: .close,
                legs: legs.map { LegRecord(action: $0.action.reversed, contract: $0.contract) }, legMids: [0.9, 0.2],
                quantity: 2, mid: 0.7, natural: 0.8),
            pricing: pricing, now: now)
        #expect(abs((close.netPrice ?? 0) - 0.73) < 1e-9 && close.fills.allSatisfy { $0.price > 0 })
        #expect(result.fills.count == 2 && result.fills.allSatisfy { $0.quantity == 2 && $0.orderRef == "pt-1-open-1" })
        #expect(abs(result.commission - 2.0) < 1e-9)
        #expect(try await venue.lookup(orderRef: "pt-1-open-1") == .unknown)
        #expect(try await venue.accountState() == nil)
    }
}
