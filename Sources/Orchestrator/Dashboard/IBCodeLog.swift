import Foundation
import Synchronization

/// The latest IB codes seen on the gateway connection, for the dashboard: kept where every code is
/// already counted for `/metrics` (`ServiceMetrics.recordIBCode`), bounded so it never grows.
public final class IBCodeLog: Sendable {
    /// One code with when it was seen (this machine's clock: the code arrived now).
    public struct Entry: Sendable, Equatable {
        /// The IB code (2104, 1100, ...).
        public var code: Int
        /// When it arrived.
        public var time: Date

        /// An entry.
        public init(code: Int, time: Date) {
            self.code = code
            self.time = time
        }
    }

    /// The process's log (the connection events of the one runtime land here).
    public static let shared = IBCodeLog()

    let capacity: Int
    let entries = Mutex<[Entry]>([])

    /// A log keeping the latest `capacity` codes.
    public init(capacity: Int = 10) { self.capacity = max(1, capacity) }

    /// Records a code.
    public func record(_ code: Int, at time: Date = Date()) {
        entries.withLock { list in
            list.append(Entry(code: code, time: time))
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }

    /// The kept codes, newest first.
    public var latest: [Entry] { entries.withLock { Array($0.reversed()) } }
}
