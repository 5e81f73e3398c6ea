import Foundation
import Synchronization

/// How much the HTTP endpoint lets clients take, so that no local process can starve the trader of
/// descriptors or threads: a cap on concurrent connections and a deadline for each request.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Connections served at once; more are accepted and closed at once (so they hold no descriptor).
    public var maxConnections: Int
    /// A connection must deliver a complete request (headers and body) within this time of opening or
    /// of its previous answer, or it is closed: idle keep-alive and slow-header clients alike.
    public var requestTimeout: Duration
    /// The largest request body a route reads (the control routes' bodies are a word or two).
    public var maxBodyBytes: Int

    /// Limits; the default cap leaves most of the descriptor limit to the gateway, the store and the runtime.
    public init(
        maxConnections: Int = HTTPServerLimits.defaultMaxConnections(), requestTimeout: Duration = .seconds(5),
        maxBodyBytes: Int = 16 * 1024
    ) {
        self.maxConnections = max(1, maxConnections)
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = max(0, maxBodyBytes)
    }

    /// 64, or an eighth of what the descriptor limit leaves after 128 reserved, whichever is smaller.
    public static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 16 }
        // RLIM_INFINITY is the largest value: clamping maps it (and any huge limit) to Int.max.
        let soft = min(Int(clamping: limit.rlim_cur), 65536)
        return max(4, min(64, (soft - 128) / 8))
    }
}

/// Connection counts shared by the endpoint's child channels.
final class HTTPConnectionCounters: Sendable {
    let open = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let timedOut = Atomic<Int>(0)

    /// Counts a new connection if there is room under `limit`.
    func admit(limit: Int) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// A counted connection closed.
    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}
