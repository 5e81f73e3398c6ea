import Foundation
import SnapshotStore
import Synchronization

/// A trading journal in memory: for replays (never mixed with the live store) and tests.
public final class InMemoryTradingJournal: TradingJournal, Sendable {
    struct State {
        var positions: [PositionRecord] = []
        var orders: [OrderRecord] = []
        var fills: [FillRecord] = []
        var events: [JournalEvent] = []
    }

    private let state = Mutex(State())

    /// An empty journal.
    public init() {}

    public func insertPosition(_ position: PositionRecord) throws -> Int64 {
        state.withLock { s in
            var p = position
            let id = Int64(s.positions.count + 1)
            p.id = id
            s.positions.append(p)
            return id
        }
    }

    public func updatePosition(_ position: PositionRecord) throws {
        try state.withLock { s in
            guard let id = position.id, let i = s.positions.firstIndex(where: { $0.id == id }) else {
                throw StoreError("updatePosition: no position \(position.id.map(String.init) ?? "without id")")
            }
            s.positions[i] = position
        }
    }

    public func positions(status: Set<PositionStatus>?) throws -> [PositionRecord] {
        state.withLock { s in s.positions.filter { status?.contains($0.status) ?? true } }
    }

    public func upsertOrder(_ order: OrderRecord) throws {
        state.withLock { s in
            if let i = s.orders.firstIndex(where: { $0.orderRef == order.orderRef }) {
                var o = order
                o.createdAt = s.orders[i].createdAt
                s.orders[i] = o
            } else {
                s.orders.append(order)
            }
        }
    }

    public func order(ref: String) throws -> OrderRecord? {
        state.withLock { s in s.orders.first { $0.orderRef == ref } }
    }

    public func orders(limit: Int) throws -> [OrderRecord] {
        state.withLock { s in Array(s.orders.reversed().prefix(limit)) }
    }

    public func orders(positionID: Int64) throws -> [OrderRecord] {
        state.withLock { s in s.orders.filter { $0.positionID == positionID } }
    }

    @discardableResult public func insertFill(_ fill: FillRecord) throws -> Bool {
        state.withLock { s in
            guard !s.fills.contains(where: { $0.execId == fill.execId }) else { return false }
            s.fills.append(fill)
            return true
        }
    }

    public func fills(orderRef: String?) throws -> [FillRecord] {
        state.withLock { s in
            s.fills.filter { orderRef == nil || $0.orderRef == orderRef }.sorted {
                ($0.time, $0.execId) < ($1.time, $1.execId)
            }
        }
    }

    public func append(_ event: JournalEvent) throws {
        state.withLock { s in
            var e = event
            e.id = Int64(s.events.count + 1)
            s.events.append(e)
        }
    }

    public func recentEvents(limit: Int, kind: JournalKind?) throws -> [JournalEvent] {
        state.withLock { s in Array(s.events.reversed().filter { kind == nil || $0.kind == kind }.prefix(limit)) }
    }
}
