import Foundation
import Synchronization

/// Simulated exchange time: starts at a chosen instant and runs at `speed` times real time, or is
/// moved by hand (`manual`) in tests. The whole simulator (and `--simulator` orchestration) reads it.
public final class SimulationClock: Sendable {
    private let state: Mutex<State>

    struct State {
        var anchorSimulated: Date
        var anchorReal: ContinuousClock.Instant
        var speed: Double
        var manual: Bool
    }

    /// A clock at `start` running `speed` simulated seconds per real second.
    public init(start: Date, speed: Double = 1) {
        state = Mutex(State(anchorSimulated: start, anchorReal: .now, speed: max(0, speed), manual: false))
    }

    /// A clock that only moves when `advance(by:)` is called.
    public static func manual(at start: Date) -> SimulationClock {
        let clock = SimulationClock(start: start, speed: 0)
        clock.state.withLock { $0.manual = true }
        return clock
    }

    /// Simulated now.
    public func now() -> Date {
        state.withLock { s in
            guard !s.manual else { return s.anchorSimulated }
            let elapsed = ContinuousClock.now - s.anchorReal
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return s.anchorSimulated.addingTimeInterval(seconds * s.speed)
        }
    }

    /// Simulated seconds per real second.
    public var speed: Double { state.withLock { $0.speed } }

    /// Moves simulated time forward (any clock; a running clock keeps running from there).
    public func advance(by seconds: TimeInterval) {
        state.withLock { s in
            let current: Date
            if s.manual {
                current = s.anchorSimulated
            } else {
                let elapsed = ContinuousClock.now - s.anchorReal
                current = s.anchorSimulated.addingTimeInterval(
                    (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * s.speed)
                s.anchorReal = .now
            }
            s.anchorSimulated = current.addingTimeInterval(seconds)
        }
    }

    /// Real duration until simulated time advances by `simulated` seconds (for scheduling).
    public func realDuration(ofSimulated simulated: TimeInterval) -> Duration {
        let speed = self.speed
        guard speed > 0 else { return .seconds(simulated) }
        return .milliseconds(Int((simulated / speed * 1000).rounded(.up)))
    }
}
