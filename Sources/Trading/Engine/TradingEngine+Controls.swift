import Foundation
import MarketData
import OptionsModel
import SnapshotStore

/// What an operator's close of one position came to.
public struct ManualCloseResult: Sendable, Equatable, Codable {
    /// Closed now, or asked and still under way.
    public enum Outcome: String, Sendable, Codable {
        /// The closing order filled: the position is closed with the asked reason.
        case closed
        /// Not closed yet (no quotes, not filled, or the order's outcome still resolving): the trader
        /// keeps at it from the next cycle on, through the same exit path.
        case pending
        /// No position has that id.
        case notFound = "not_found"
        /// The position is not open (closing, closed, expired, ...): nothing to do.
        case notOpen = "not_open"
    }

    /// The position asked to close.
    public var positionID: Int64
    /// What came of it.
    public var outcome: Outcome
    /// The same in words (the journal's and the HTTP answer's).
    public var message: String

    /// A result.
    public init(positionID: Int64, outcome: Outcome, message: String) {
        self.positionID = positionID
        self.outcome = outcome
        self.message = message
    }
}

/// What cancelling working orders did.
public struct CancelOrdersResult: Sendable, Equatable, Codable {
    /// orderRefs the venue was asked to cancel (their outcome is booked by the next cycle's reconcile).
    public var cancelled: [String]
    /// orderRefs whose cancel failed, with why.
    public var failed: [String]
}

extension TradingEngine {
    // MARK: Operator controls

    /// Closes position `positionID` through the exit path the rules use (order, booking, journal),
    /// with `reason` (`manual` for an operator), at the latest cycle's quotes; what cannot close now is
    /// retried first thing each cycle until it does. Waits for a cycle under way to finish.
    public func close(positionID: Int64, reason: ExitReason = .manual, now: Date) async -> ManualCloseResult {
        await acquireTurn()
        defer { releaseTurn() }
        return await closeInTurn(positionID, reason: reason, now: now)
    }

    /// Closes every open position (of `symbol` only, when given) as `close(positionID:)` does.
    public func flatten(symbol: String?, reason: ExitReason = .manual, now: Date) async -> [ManualCloseResult] {
        await acquireTurn()
        defer { releaseTurn() }
        let open: [PositionRecord]
        do {
            open = try journal.positions(status: [.open])
        } catch {
            journal(now, .error, symbol, "flatten: positions unreadable: \(error)")
            return []
        }
        var results: [ManualCloseResult] = []
        for position in open where symbol == nil || position.symbol == symbol {
            guard let id = position.id else { continue }
            results.append(await closeInTurn(id, reason: reason, now: now))
        }
        return results
    }

    /// Asks the venue to cancel every working order (only those created more than `olderThan`
    /// before `now`, when given); the next cycle's reconcile books what the cancels did.
    public func cancelWorkingOrders(olderThan: TimeInterval?, now: Date) async -> CancelOrdersResult {
        await acquireTurn()
        defer { releaseTurn() }
        var result = CancelOrdersResult(cancelled: [], failed: [])
        do {
            for order in try journal.orders(limit: 1_000) where order.status.mayBeLive {
                if let olderThan, now.timeIntervalSince(order.createdAt) < olderThan { continue }
                do {
                    try await venue.cancel(orderRef: order.orderRef)
                    result.cancelled.append(order.orderRef)
                } catch {
                    result.failed.append("\(order.orderRef): \(error)")
                }
            }
        } catch {
            result.failed.append("orders unreadable: \(error)")
        }
        return result
    }

    func closeInTurn(_ id: Int64, reason: ExitReason, now: Date) async -> ManualCloseResult {
        let position: PositionRecord
        do {
            guard let found = try journal.positions(status: nil).first(where: { $0.id == id }) else {
                return ManualCloseResult(positionID: id, outcome: .notFound, message: "no position \(id)")
            }
            position = found
        } catch {
            journal(now, .error, nil, "closing position \(id): positions unreadable: \(error)")
            return ManualCloseResult(positionID: id, outcome: .pending, message: "positions unreadable: \(error)")
        }
        guard position.status == .open else {
            return ManualCloseResult(
                positionID: id, outcome: .notOpen, message: "position \(id) is \(position.status.rawValue)")
        }
        guard let picture = lastPictures[position.symbol],
            let mark = PositionManagement.mark(position, chain: picture.chain)
        else {
            manualExits[id] = reason
            journal(
                now, .exitPending, position.symbol,
                "position \(id) \(position.title): \(reason.rawValue) but no quotes to close at yet; retried each cycle"
            )
            return ManualCloseResult(
                positionID: id, outcome: .pending, message: "no quotes to close at yet: retried at the next cycle")
        }
        marks[id] = mark
        let rows = Dictionary(picture.chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        if await exit(position, mark: mark, reason: reason, rows: rows, now: now) {
            manualExits[id] = nil
            return ManualCloseResult(
                positionID: id, outcome: .closed, message: "closed \(position.title): \(reason.rawValue)")
        }
        let status: PositionStatus?
        do {
            status = try journal.positions(status: nil).first { $0.id == id }?.status
        } catch {
            return ManualCloseResult(positionID: id, outcome: .pending, message: "positions unreadable: \(error)")
        }
        if status == .open { manualExits[id] = reason }
        return ManualCloseResult(
            positionID: id, outcome: .pending,
            message: status == .closing
                ? "close order outcome unknown: resolving by orderRef"
                : "close order not filled: retried at the next cycle")
    }

    // MARK: Turns

    /// Waits until no cycle or other operator action holds the engine, then holds it. The actor alone
    /// does not serialize them: each awaits the venue, and another call may run at every await.
    func acquireTurn() async {
        guard turnHeld else {
            turnHeld = true
            return
        }
        await withCheckedContinuation { turnWaiters.append($0) }
    }

    /// Hands the engine to the next waiter, or frees it.
    func releaseTurn() {
        if turnWaiters.isEmpty {
            turnHeld = false
        } else {
            turnWaiters.removeFirst().resume()
        }
    }
}
