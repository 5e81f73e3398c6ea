import Foundation
import OptionsModel
import SnapshotStore

extension StoreReader {
    /// `journal --since`: a day means its start in New York (exchange time); a time is taken as
    /// written; nil when `text` is neither.
    public static func journalSince(_ text: String) -> Date? {
        if let time = ISO8601.parse(text) { return time }
        guard text.count == 10, let day = Expiry(text), let zone = TimeZone(identifier: "America/New_York") else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
    }

    /// `journal`: the matching events (most recent last) as one line each, or as one JSON document;
    /// with none, a line saying so and which kinds the journal holds.
    public func journalText(since: Date?, symbol: String?, kind: String?, limit: Int, json: Bool) throws -> String {
        let events = try store.events(JournalQuery(since: since, symbol: symbol, kind: kind, limit: limit))
        if json { return try JSONOutput.render(events) }
        if events.isEmpty {
            let kinds = try store.eventKinds()
            return
                "no events match\(kinds.isEmpty ? " (the journal is empty)" : "; kinds in the journal: \(kinds.joined(separator: ", "))")"
        }
        return events.map { e in
            "\(ISO8601.format(e.time))  \(e.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \((e.symbol ?? "-").padding(toLength: 5, withPad: " ", startingAt: 0)) \(e.message)"
        }.joined(separator: "\n")
    }
}
