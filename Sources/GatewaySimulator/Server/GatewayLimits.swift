import Foundation

/// IB's message-rate rule over a sliding one-second window of real time.
struct MessageRateWindow {
    enum Verdict: Equatable {
        case ok
        case exceeded(received: Int)
        case disconnect(received: Int)
    }

    let limit: Int
    var times: [Double] = []
    var violations: [Double] = []
    /// The most messages seen in any one-second window.
    var peak = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Admits a message at real time `t`. Above the limit plus 10% (arrivals bunch up on the way:
    /// clients pacing at 45/s, as ib_async does, work against real gateways) it is refused, and
    /// three refusals within ten seconds end the connection (IB's "sustained excess").
    mutating func admit(at t: Double) -> Verdict {
        times.removeAll { $0 <= t - 1 }
        times.append(t)
        peak = max(peak, times.count)
        guard times.count > limit + max(1, limit / 10) else { return .ok }
        violations.removeAll { $0 <= t - 10 }
        violations.append(t)
        return violations.count >= 3 ? .disconnect(received: times.count) : .exceeded(received: times.count)
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
