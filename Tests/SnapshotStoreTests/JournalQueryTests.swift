import Foundation
import Testing

@testable import SnapshotStore

/// `papertrader journal` reads the events table by time, symbol, kind and count.
@Suite struct JournalQueryTests {
    @Test func filtersCombineAndTheMostRecentComeOldestFirst() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let t0 = Date(timeIntervalSince1970: 1_772_634_600)  // 2026-03-04T14:30:00Z
        for i in 0..<10 {
            try store.append(
                JournalEvent(
                    time: t0.addingTimeInterval(Double(i) * 300),
                    kind: JournalKind(rawValue: i % 3 == 0 ? "entry" : "no_trade"),
                    symbol: i % 2 == 0 ? "SPY" : "IWM", message: "event \(i)"))
        }
        #expect(try store.events(JournalQuery()).map(\.message) == (0..<10).map { "event \($0)" })
        #expect(try store.events(JournalQuery(limit: 3)).map(\.message) == ["event 7", "event 8", "event 9"])
        #expect(try store.events(JournalQuery(symbol: "spy")).map(\.message) == [0, 2, 4, 6, 8].map { "event \($0)" })
        #expect(try store.events(JournalQuery(kind: "entry")).map(\.message) == [0, 3, 6, 9].map { "event \($0)" })
        #expect(
            try store.events(JournalQuery(since: t0.addingTimeInterval(1500), symbol: "SPY", kind: "entry")).map(
                \.message) == ["event 6"])
        #expect(try store.eventKinds() == ["entry", "no_trade"])
    }
}
