import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore

/// What settling an expired position did.
enum SettleOutcome: Equatable {
    /// No closing price yet: tried again next cycle.
    case pending
    case closed
    /// The options became this many shares (bought +, sold -), held until the next cycle closes them.
    case assigned(shares: Double)
}

extension TradingEngine {
    // MARK: Settlement

    /// Settles an expired position against the expiry day's closing price (the last price seen in
    /// that session, or stored); false while no such price is known. Options on shares and ETFs are
    /// physically settled: every leg at least a cent in the money is exercised or assigned into
    /// shares at its strike and the rest expire; when the shares do not net to zero the position
    /// holds them (`assigned`) until the next cycle closes them. Cash-settled index options settle
    /// at intrinsic value.
    func settle(_ position: PositionRecord, now: Date) -> SettleOutcome {
        guard let id = position.id else { return .pending }
        let day = position.expiry
        var price = sessionPrices[position.symbol]?[day]
        if price == nil, let prices, let closeMinute = calendar.closeMinute(on: day) {
            let open = calendar.date(day, minute: 0, second: 0)
            let close = calendar.date(day, minute: closeMinute, second: 1)
            do {
                price = try prices.lastUnderlyingPrice(symbol: position.symbol, from: open, until: close)
            } catch {
                journal(now, .error, position.symbol, "position \(id): reading the expiry close failed: \(error)")
            }
        }
        guard let underlying = price else {
            journal(
                now, .settlePending, position.symbol,
                "position \(id) \(position.title) expired; no \(day.yyyymmdd) closing price stored yet")
            return .pending
        }
        var p = position
        let ref = OrderRef.make(position: id, purpose: .close, now: now, settlement: true)
        let legs = position.legs.map { LegRecord(action: $0.action.reversed, contract: $0.contract, ratio: $0.ratio) }
        let physical = !PositionManagement.cashSettledSymbols.contains(position.symbol)
        let deliveries = PositionManagement.deliveries(position, underlying: underlying)
        // The options leave the book as fills: at their intrinsic value when settled in cash, at zero
        // when they turn into shares (the shares carry the value) or expire worthless. No commission.
        var fills = legs.enumerated().map { i, leg in
            FillRecord(
                execId: "settle.\(id).\(i)", orderRef: ref, ibOrderId: nil, time: now, symbol: position.symbol,
                leg: leg.contract.occSymbol, side: FillSide(leg.action),
                quantity: Double(leg.ratio * position.quantity),
                price: physical ? 0 : PositionManagement.intrinsic(leg.contract, underlying: underlying),
                commission: 0)
        }
        fills += deliveries.enumerated().map { i, d in
            FillRecord(
                execId: "assign.\(id).\(i)", orderRef: ref, ibOrderId: nil, time: now, symbol: position.symbol,
                leg: position.symbol, side: d.shares > 0 ? .bought : .sold, quantity: abs(d.shares),
                price: d.leg.contract.strike, commission: 0)
        }
        let netShares = deliveries.reduce(0) { $0 + $1.shares }
        let debit = PositionManagement.settlementDebit(position, underlying: underlying)
        do {
            try journal.upsertOrder(
                OrderRecord(
                    orderRef: ref, positionID: id, purpose: .close, status: .filled, limitPrice: debit,
                    quantity: position.quantity, filledQuantity: position.quantity, legs: legs, venue: venue.kind,
                    createdAt: now, updatedAt: now))
            for f in fills { try journal.insertFill(f) }
            p.closeOrderRef = ref
            if !deliveries.isEmpty {
                let words = deliveries.map { d in
                    String(
                        format: "%@ %@ %@ %@ %.0f shares at %@", d.leg.action == .sell ? "short" : "long",
                        PositionRecord.strike(d.leg.contract.strike), d.leg.contract.right == .put ? "put" : "call",
                        d.leg.action == .sell ? "assigned:" : "exercised:", abs(d.shares),
                        PositionRecord.strike(d.leg.contract.strike)) + (d.shares > 0 ? " bought" : " sold")
                }
                journal(
                    now, .assignment, p.symbol,
                    String(format: "position %lld expired against the %@ close %.2f: ", id, day.yyyymmdd, underlying)
                        + words.joined(separator: "; "))
            }
            if abs(netShares) > 1e-9 {
                p.status = .assigned
                p.note = String(
                    format: "%@ %.0f %@ from the expiry; closed at the next cycle", netShares > 0 ? "long" : "short",
                    abs(netShares), p.symbol)
                try journal.updatePosition(p)
                marks[id] = PositionMark(debit: debit, naturalDebit: debit, shortDelta: nil, underlying: underlying)
                logger.info(
                    "position assigned",
                    metadata: [
                        "position.id": "\(id)", "position.shares": "\(netShares)", "position.symbol": "\(p.symbol)",
                    ])
                return .assigned(shares: netShares)
            }
            try close(&p, debit: debit, reason: .settled, now: now)
            journal(
                now, .positionClosed, p.symbol,
                String(
                    format: "position %lld settled against the %@ close %.2f", id, day.yyyymmdd, underlying))
            return .closed
        } catch {
            journal(now, .error, p.symbol, "settling position \(id) failed: \(error)")
            return .pending
        }
    }

    // MARK: Shares from an assignment

    /// Shares the position holds (bought +, sold -) and the cash they moved, from its fills.
    func shareHolding(_ position: PositionRecord) throws -> (shares: Double, cash: Double) {
        guard let id = position.id else { return (0, 0) }
        let fills = try journal.orders(positionID: id).flatMap { try journal.fills(orderRef: $0.orderRef) }
        return fills.filter(\.isStock).reduce((0, 0)) { ($0.0 + $1.shares, $0.1 + $1.cash()) }
    }

    /// Each cycle for a position holding shares from an assignment: marks them at the underlying's
    /// price and, in the regular session, closes them at the market. With a venue that keeps an
    /// account, only once the account shows them (a real gateway books the assignment overnight).
    func manageShares(_ position: PositionRecord, picture: MarketPicture?, now: Date, report: inout TraderCycleReport)
        async
    {
        guard let id = position.id else { return }
        let holding: (shares: Double, cash: Double)
        do {
            holding = try shareHolding(position)
        } catch {
            journal(now, .error, position.symbol, "position \(id): reading its shares failed: \(error)")
            return
        }
        var p = position
        if abs(holding.shares) < 1e-9 {
            do {
                try close(&p, debit: holding.cash / (-100 * Double(max(1, p.quantity))), reason: .assigned, now: now)
                report.closed.append(id)
            } catch {
                journal(now, .error, p.symbol, "closing position \(id) failed: \(error)")
            }
            return
        }
        guard let price = picture?.price else {
            journal(now, .exitPending, p.symbol, "position \(id): \(p.note ?? "shares held"); no price this cycle")
            return
        }
        let debit = PositionManagement.shareDebit(
            stockCash: holding.cash, shares: holding.shares, price: price, quantity: p.quantity)
        marks[id] = PositionMark(debit: debit, naturalDebit: debit, shortDelta: nil, underlying: price)
        guard calendar.isRegularSession(now) else { return }
        do {
            if let account = try await venue.accountState() {
                let held = account.positions[p.symbol] ?? 0
                guard held * holding.shares > 0, abs(held) + 1e-9 >= abs(holding.shares) else {
                    journal(
                        now, .exitPending, p.symbol,
                        String(
                            format:
                                "position %lld: waiting for the account to show the assigned %.0f %@ (it holds %.0f)",
                            id, holding.shares, p.symbol, held))
                    return
                }
            }
        } catch {
            journal(now, .error, p.symbol, "position \(id): reading the account failed: \(error)")
            return
        }
        let order = ShareOrder(
            orderRef: OrderRef.shares(position: id, now: now), symbol: p.symbol,
            action: holding.shares > 0 ? .sell : .buy, shares: Int(abs(holding.shares).rounded()), price: price)
        let record = OrderRecord(
            orderRef: order.orderRef, positionID: id, purpose: .close, status: .submitted, limitPrice: price,
            quantity: order.shares, legs: [], venue: venue.kind, createdAt: now, updatedAt: now)
        let venue = self.venue
        let pricing = settings.pricing
        let result = await sendStep(
            record, symbol: p.symbol,
            submitted: String(
                format: "close %@: %@ %d %@ at the market (last %.2f)", order.orderRef,
                order.action == .sell ? "sell" : "buy", order.shares, p.symbol, price), now: now
        ) { try await venue.executeShares(order, pricing: pricing, now: now) }
        do {
            try await persisting { try self.applyShareClose(&p, result: result, now: now) }
            if p.status == .closed {
                report.closed.append(id)
                report.actions.append(
                    "closed \(p.title): assigned shares \(order.action == .sell ? "sold" : "bought back")")
            }
        } catch {
            journal(now, .error, p.symbol, "booking the share close of position \(id) failed: \(error)")
        }
    }

    /// Books a share close: the position closes once no shares are left; otherwise it stays assigned.
    func applyShareClose(_ p: inout PositionRecord, result: VenueResult, now: Date) throws {
        guard let id = p.id, result.status != .sendUnknown, result.status != .submitted, result.status != .working
        else {
            journal(
                now, .reconcile, p.symbol, "position \(p.id ?? 0): share order outcome unknown; resolving by orderRef")
            return
        }
        let holding = try shareHolding(p)
        guard abs(holding.shares) < 1e-9 else { return }
        p.closeOrderRef = result.fills.first?.orderRef ?? p.closeOrderRef
        try close(&p, debit: holding.cash / (-100 * Double(max(1, p.quantity))), reason: .assigned, now: now)
        journal(now, .positionClosed, p.symbol, "position \(id): the assigned shares are closed")
    }
}
