import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore

extension TradingEngine {
    // MARK: Opening

    /// Opens a candidate: position and order are journaled first, then the order goes to the venue.
    /// Re-pricing never concedes below the minimum credit or past the per-trade risk limit.
    func open(_ candidate: TradeCandidate, now: Date) async throws -> Int64? {
        let legs = candidate.legs.map { leg in
            LegRecord(action: leg.action, contract: leg.option.contract, ratio: 1, entryPrice: leg.option.quote.mid)
        }
        var position = PositionRecord(
            symbol: candidate.symbol, structure: candidate.structure, status: .opening,
            quantity: candidate.quantity, expiry: candidate.expiry, legs: legs, maxLoss: candidate.maxLoss)
        let id = try journal.insertPosition(position)
        position.id = id
        let ref = OrderRef.make(position: id, purpose: .open, now: now)
        position.openOrderRef = ref
        try journal.updatePosition(position)
        let q = Double(candidate.quantity)
        let floorCredit = max(
            settings.strategy.minCreditFraction * candidate.width,
            candidate.width - settings.limits.maxRiskPerTrade / (100 * q))
        let ticket = OrderTicket(
            orderRef: ref, symbol: candidate.symbol, purpose: .open, legs: legs,
            legMids: candidate.legs.map { $0.option.quote.mid ?? 0 },
            legNaturals: candidate.legs.map { Self.natural($0.option.quote, $0.action) }, quantity: candidate.quantity,
            mid: -candidate.credit, natural: -candidate.naturalCredit, limitBound: -floorCredit)
        let result = await send(ticket, positionID: id, now: now)
        try await persisting {
            try self.applyOpen(&position, result: result, width: candidate.width, now: now, odds: candidate.odds)
        }
        return position.status == .open ? id : nil
    }

    /// Books what the opening order did: the filled units at their own price, nothing when none.
    func applyOpen(
        _ position: inout PositionRecord, result: VenueResult, width: Double, now: Date, odds: CandidateOdds? = nil
    ) throws {
        guard let id = position.id else { return }
        if result.status == .sendUnknown || result.status == .submitted || result.status == .working {
            // Stays `opening`: resolved by orderRef at the next cycle or start.
            journal(
                now, .reconcile, position.symbol, "position \(id): open order outcome unknown; resolving by orderRef")
            return
        }
        guard result.filledQuantity > 0, let net = result.netPrice else {
            position.status = .unfilled
            position.closedAt = now
            position.realizedPnL = 0
            let why = result.message.map { ": \($0)" } ?? ""
            position.note = "open order \(result.status.rawValue)\(why)"
            try journal.updatePosition(position)
            return
        }
        position.status = .open
        position.openedAt = position.openedAt ?? now
        position.quantity = result.filledQuantity
        position.entryCredit = -net
        position.maxLoss = (width - -net) * 100 * Double(result.filledQuantity)
        try journal.updatePosition(position)
        logger.info(
            "position opened",
            metadata: [
                "position.id": "\(id)", "position.symbol": "\(position.symbol)",
                "position.structure": "\(position.structure.rawValue)", "order.ref": "\(position.openOrderRef ?? "")",
                "position.credit": "\(String(format: "%.2f", -net))",
            ])
        let partial =
            result.status == .partiallyFilled ? " (partial fill: \(result.filledQuantity) of the order's units)" : ""
        let message = String(
            format: "position %lld opened: %@ credit %.2f max loss %.2f%@ (%@)%@", id, position.title, -net,
            position.maxLoss ?? 0, partial, position.openOrderRef ?? "", odds.map { "; " + $0.words } ?? "")
        do {
            try journal.append(
                JournalEvent(
                    time: now, kind: .positionOpened, symbol: position.symbol, message: message,
                    data: Self.oddsData(odds, position: id)))
        } catch {
            logger.error("journal write failed", metadata: ["error": "\(error)", "journal.kind": "position_opened"])
        }
    }

    /// A leg's natural price: the ask to buy, the bid to sell (the mid when that side is missing).
    static func natural(_ q: Quote, _ action: LegAction) -> Double {
        (action == .buy ? q.ask : q.bid) ?? q.mid ?? 0
    }

    // MARK: Closing

    /// Closes a position at market through the venue; true when it is fully closed.
    func exit(
        _ position: PositionRecord, mark: PositionMark, reason: ExitReason, rows: [OptionKey: OptionQuote], now: Date
    ) async -> Bool {
        guard let id = position.id else { return false }
        var p = position
        let ref = OrderRef.make(position: id, purpose: .close, now: now)
        p.status = .closing
        p.closeOrderRef = ref
        p.exitReason = reason
        do {
            try journal.updatePosition(p)
        } catch {
            journal(now, .error, p.symbol, "closing position \(id) failed: \(error)")
            return false
        }
        let legs = position.legs.map { leg in
            LegRecord(action: leg.action.reversed, contract: leg.contract, ratio: leg.ratio, entryPrice: nil)
        }
        journal(
            now, .exitSignal, p.symbol,
            String(
                format: "position %lld %@: %@ (close at %.2f, natural %.2f)", id, p.title, reason.rawValue, mark.debit,
                mark.naturalDebit))
        let ticket = OrderTicket(
            orderRef: ref, symbol: p.symbol, purpose: .close, legs: legs,
            legMids: legs.map { rows[$0.contract.key]?.quote.mid ?? 0 },
            legNaturals: legs.map { leg in rows[leg.contract.key].map { Self.natural($0.quote, leg.action) } ?? 0 },
            quantity: p.quantity, mid: mark.debit,
            natural: mark.naturalDebit)
        let result = await send(ticket, positionID: id, now: now)
        do {
            try await persisting { try self.applyClose(&p, result: result, now: now) }
        } catch {
            journal(now, .error, p.symbol, "booking the close of position \(id) failed: \(error)")
        }
        return p.status == .closed
    }

    /// Books what a closing order did: all units closed, some (the rest stays open), or none.
    func applyClose(_ p: inout PositionRecord, result: VenueResult, now: Date) throws {
        guard let id = p.id else { return }
        if result.status == .sendUnknown || result.status == .submitted || result.status == .working {
            journal(now, .reconcile, p.symbol, "position \(id): close order outcome unknown; resolving by orderRef")
            return
        }
        guard result.filledQuantity > 0, let net = result.netPrice else {
            p.status = .open
            p.closeOrderRef = nil
            p.exitReason = nil
            try journal.updatePosition(p)
            return
        }
        if result.filledQuantity < p.quantity {
            // Close what filled; the rest stays open and is managed again next cycle.
            let credit = p.entryCredit ?? 0
            p.realizedPnL =
                (p.realizedPnL ?? 0) + (credit - net) * 100 * Double(result.filledQuantity) - result.commission
            p.maxLoss = (p.maxLoss ?? 0) * Double(p.quantity - result.filledQuantity) / Double(p.quantity)
            p.quantity -= result.filledQuantity
            p.status = .open
            p.closeOrderRef = nil
            p.exitDebit = net
            try journal.updatePosition(p)
            journal(
                now, .positionClosed, p.symbol,
                String(
                    format: "position %lld partly closed: %d units at %.2f, %d still held", id, result.filledQuantity,
                    net, p.quantity))
            return
        }
        try close(&p, debit: net, reason: p.exitReason ?? .manual, now: now)
    }

    /// Marks a position closed at `debit` and records its realized P&L: every cash flow of its fills
    /// (open, closes, settlement) less all their commissions.
    func close(_ p: inout PositionRecord, debit: Double, reason: ExitReason, now: Date) throws {
        guard let id = p.id else { return }
        let fills = try journal.orders(positionID: id).flatMap { try journal.fills(orderRef: $0.orderRef) }
        p.status = .closed
        p.closedAt = now
        p.exitDebit = debit
        p.exitReason = reason
        p.realizedPnL = fills.reduce(0) { $0 + $1.cash() - ($1.commission ?? 0) }
        marks[id] = nil
        try journal.updatePosition(p)
        logger.info(
            "position closed",
            metadata: [
                "position.id": "\(id)", "position.symbol": "\(p.symbol)", "exit.reason": "\(reason.rawValue)",
                "exit.debit": "\(debit)", "position.pnl": "\(p.realizedPnL ?? 0)",
            ])
        journal(
            now, .positionClosed, p.symbol,
            String(
                format: "position %lld closed: %@ %@ at %.2f, P&L %.2f", id, p.title, reason.rawValue, debit,
                p.realizedPnL ?? 0))
    }

    // MARK: Sending

    /// Journals the order, sends it, and records what the venue did. The venue step runs to its end
    /// even when the caller is cancelled (a stop waits for the order to be acknowledged or known not
    /// sent); an interrupted send is journaled `send_unknown`, never `rejected`.
    func send(_ ticket: OrderTicket, positionID: Int64, now: Date) async -> VenueResult {
        let order = OrderRecord(
            orderRef: ticket.orderRef, positionID: positionID, purpose: ticket.purpose, status: .submitted,
            limitPrice: settings.pricing.limit(for: ticket, attempt: 0), quantity: ticket.quantity, legs: ticket.legs,
            venue: venue.kind, createdAt: now, updatedAt: now)
        let venue = self.venue
        let pricing = settings.pricing
        return await sendStep(
            order, symbol: ticket.symbol,
            submitted: String(
                format: "%@ %@ limit %.2f (mid %.2f, natural %.2f)", ticket.purpose.rawValue, ticket.orderRef,
                order.limitPrice ?? 0, ticket.mid, ticket.natural), now: now
        ) { try await venue.execute(ticket, pricing: pricing, now: now) }
    }

    /// The order step every send shares: journal the order, run `step` at the venue to its end, book
    /// its fills and outcome, and say what happened in the journal.
    func sendStep(
        _ record: OrderRecord, symbol: String, submitted: String, now: Date,
        _ step: @escaping @Sendable () async throws -> VenueResult
    ) async -> VenueResult {
        var order = record
        do {
            try journal.upsertOrder(order)
        } catch {
            journal(now, .orderRefused, symbol, "\(order.orderRef): not sent: journaling failed: \(error)")
            return VenueResult(status: .rejected, message: "not sent: the journal write failed: \(error)")
        }
        journal(now, .orderSubmitted, symbol, submitted)
        // Unstructured on purpose and awaited right here: cancelling the trading loop must not cut an
        // order step in half (sent but unacknowledged), so the step does not inherit cancellation.
        let attempt = await Task { try await step() }.result
        let result: VenueResult
        switch attempt {
        case .success(let r):
            result = r
        case .failure(let error as VenueError) where !error.mayHaveReachedVenue:
            result = VenueResult(status: .rejected, message: error.message)
        case .failure(let error):
            result = VenueResult(status: .sendUnknown, message: "\(error)")
        }
        do {
            try await persisting {
                for fill in result.fills { try self.journal.insertFill(fill) }
                order.status = result.status
                order.filledQuantity = result.filledQuantity
                order.ibOrderId = result.venueOrderId
                order.account = result.account
                order.repriceCount = result.repriceCount
                order.limitPrice = result.lastLimit ?? order.limitPrice
                order.updatedAt = now
                try self.journal.upsertOrder(order)
            }
        } catch {
            logger.error("order booking failed", metadata: ["order.ref": "\(order.orderRef)", "error": "\(error)"])
        }
        let kind: JournalKind = result.status == .rejected ? .orderRefused : .order(result.status)
        journal(
            now, kind, symbol,
            "\(order.orderRef)\(result.netPrice.map { String(format: " at %.2f", $0) } ?? "") after \(result.repriceCount) re-prices\(result.message.map { ": \($0)" } ?? "")"
        )
        logger.info(
            "order \(result.status.rawValue)",
            metadata: [
                "order.ref": "\(order.orderRef)", "order.venue_id": "\(result.venueOrderId.map(String.init) ?? "-")",
                "position.id": "\(order.positionID.map(String.init) ?? "-")",
            ])
        return result
    }

    /// Runs a journal write after an order step, retrying while another program holds the database
    /// (a booking lost here would leave a position stuck in flight).
    func persisting(_ write: () throws -> Void) async throws {
        var delay = Duration.milliseconds(50)
        for attempt in 1...5 {
            do {
                return try write()
            } catch {
                if attempt == 5 { throw error }
                logger.warning("journal write failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)  // a cancelled wait only shortens the retry
                delay *= 2
            }
        }
    }
}

/// Our idempotency keys: `pt-<position>-<open|close|settle|shares>-<unix seconds>`, unique per intent and
/// stable once journaled; the prefix marks the account's orders as ours.
public enum OrderRef {
    /// Every orderRef we send begins with this.
    public static let prefix = "pt-"

    /// The orderRef of an intent.
    public static func make(position: Int64, purpose: OrderPurpose, now: Date, settlement: Bool = false) -> String {
        "\(prefix)\(position)-\(settlement ? "settle" : purpose.rawValue)-\(Int(now.timeIntervalSince1970))"
    }

    /// The orderRef of the order that closes the shares an assignment left.
    public static func shares(position: Int64, now: Date) -> String {
        "\(prefix)\(position)-shares-\(Int(now.timeIntervalSince1970))"
    }

    /// The position id an orderRef of ours names.
    public static func position(of ref: String) -> Int64? {
        guard ref.hasPrefix(prefix) else { return nil }
        return ref.dropFirst(prefix.count).split(separator: "-").first.flatMap { Int64($0) }
    }
}
