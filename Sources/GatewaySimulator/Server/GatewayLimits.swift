import Foundation

/// IB's message-rate rule, on real arrival times: a bucket of `limit + 20 %` messages refilled at
/// `limit` per second. A burst above the bucket is refused message by message (error 100); only
/// refusals in `sustainedSeconds` distinct seconds within `sustainedWindow` seconds end the connection,
/// as IB disconnects a client that keeps flooding, not one whose paced batches meet at a window's edge
/// (ib_async's 45-per-second pacer puts 60-70 frames into some one-second windows; a batch held up to
/// 400 ms on the way still fits).
struct MessageRateWindow {
    enum Verdict: Equatable {
        case ok
        case exceeded(received: Int)
        case disconnect(received: Int)
    }

    let limit: Int
    /// Refusals in this many distinct seconds ...
    static let sustainedSeconds = 3
    /// ... within this many seconds are "sustained excess".
    static let sustainedWindow = 5.0
    var capacity: Double { Double(limit + max(1, limit / 5)) }
    var tokens: Double
    var lastRefill: Double?
    /// Arrival times within the last second (for `received` and `peak`).
    var times: [Double] = []
    var refusals: [Double] = []
    /// The most messages that arrived within any one second.
    var peak = 0

    init(limit: Int) {
        self.limit = limit
        self.tokens = Double(limit + max(1, limit / 5))
    }

    /// Admits a message that arrived at real time `t` (arrivals come in order).
    mutating func admit(at t: Double) -> Verdict {
        times.removeAll { $0 <= t - 1 }
        times.append(t)
        peak = max(peak, times.count)
        if let last = lastRefill { tokens = min(capacity, tokens + max(0, t - last) * Double(limit)) }
        lastRefill = t
        if tokens >= 1 {
            tokens -= 1
            return .ok
        }
        refusals.removeAll { $0 <= t - Self.sustainedWindow }
        refusals.append(t)
        let seconds = Set(refusals.map { Int($0.rounded(.down)) })
        return seconds.count >= Self.sustainedSeconds
            ? .disconnect(received: times.count) : .exceeded(received: times.count)
    }
}

/// IB's historical-data pacing rules (real time): identical request within 15 s, six or more
/// requests for the same contract within 2 s, more than 60 requests in 10 minutes.
struct HistoricalRequestPacer {
    var recent: [(key: String, contract: String, at: Double)] = []

    /// nil when admitted, else IB's violation text.
    mutating func admit(key: String, contractKey: String, at t: Double) -> String? {
        recent.removeAll { $0.at <= t - 600 }
        if recent.contains(where: { $0.key == key && $0.at > t - 15 }) {
            return "Pacing violation: identical request within 15 seconds"
        }
        if recent.filter({ $0.contract == contractKey && $0.at > t - 2 }).count >= 5 {
            return "Pacing violation: six or more requests for the same contract within two seconds"
        }
        if recent.count >= 60 {
            return "Pacing violation: more than 60 requests within ten minutes"
        }
        recent.append((key, contractKey, t))
        return nil
    }
}
