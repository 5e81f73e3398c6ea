import Foundation
import Synchronization
import TWSWire

/// Several API clients on one account, as IB serves them: order and execution events go to the client
/// that placed the order and to the master client, never to another session; position changes reach
/// every client (positions are the account's).
extension PaperAccount {
    /// A client connected: events for it are kept until its session takes them.
    func connect(clientId: Int) {
        state.withLock { s in s.outboxes[clientId] = [] }
    }

    /// A client left: events still waiting for it are dropped (IB replays nothing; the next session asks
    /// for open orders and executions).
    func disconnect(clientId: Int) {
        _ = state.withLock { s in s.outboxes.removeValue(forKey: clientId) }
    }

    /// Copies an order's events to whoever else must see them; returns `events` unchanged.
    /// `includeOwner` queues them for the owner too (when the owner's session is not the caller).
    @discardableResult
    func route(_ s: inout State, _ events: [SimAccountEvent], owner: Int, includeOwner: Bool) -> [SimAccountEvent] {
        guard !events.isEmpty else { return events }
        let changed = events.compactMap { e -> Int? in
            if case .execution(let details, _) = e { return details.contract.conId } else { return nil }
        }
        for client in s.outboxes.keys.sorted() {
            if client == owner {
                if includeOwner { s.outboxes[client, default: []] += events }
            } else if client == masterClientId {
                s.outboxes[client, default: []] += events
            } else if !changed.isEmpty {
                s.outboxes[client, default: []] += Array(Set(changed)).sorted().map { .positionChanged(conId: $0) }
            }
        }
        return events
    }

    /// Matches every working order of every client against the market (whichever session's timer runs),
    /// routes each order's events to its owner, and returns what is waiting for `clientId`.
    func tick(at date: Date, for clientId: Int) -> [SimAccountEvent] {
        state.withLock { s in
            if s.outboxes[clientId] == nil { s.outboxes[clientId] = [] }
            settleExpired(&s, at: date)
            for key in s.orders.keys.sorted() {
                route(&s, fillIfCrossing(&s, key, at: date), owner: key.clientId, includeOwner: true)
            }
            defer { s.outboxes[clientId] = [] }
            return s.outboxes[clientId] ?? []
        }
    }
}
