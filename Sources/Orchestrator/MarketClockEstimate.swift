import Foundation
import Synchronization

/// The market clock without asking the gateway: the last gateway time read, moved on by the time
/// elapsed since (times the clock speed). `/health` uses it so it never waits behind a cycle's requests.
public final class MarketClockEstimate: Sendable {
    private let last = Mutex<(market: Date, at: ContinuousClock.Instant)?>(nil)

    /// An estimate with no reading yet.
    public init() {}

    /// Records a reading of the gateway's clock.
    public func record(_ market: Date) {
        last.withLock { $0 = (market, ContinuousClock.now) }
    }

    /// The estimated market time now at `speed` simulated seconds per real second (nil before a reading).
    public func now(speed: Double) -> Date? {
        last.withLock { reading in
            reading.map { r in
                let elapsed = ContinuousClock.now - r.at
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                return r.market.addingTimeInterval(seconds * speed)
            }
        }
    }
}
