import ArgumentParser
import Foundation
import OptionsModel
import Orchestrator
import SnapshotStore

/// `papertrader journal`: the decisions journal (`events`), filtered, without sqlite.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "The trader's decisions journal: entries, exits, no-trade reasons, errors (most recent last).")

    @OptionGroup var options: StoreOptions
    @Option(help: "Only events since this day (YYYY-MM-DD, New York) or time (ISO 8601).") var since: String?
    @Option(help: "Only events of this underlying.") var symbol: String?
    @Option(help: "Only events of this kind (e.g. no_trade, entry, exit, error).") var kind: String?
    @Option(help: "At most this many events, the most recent.") var limit = 50
    @Flag(help: "One JSON document.") var json = false

    func validate() throws {
        if let since, Self.parseSince(since) == nil {
            throw ValidationError("--since '\(since)' is neither a day YYYY-MM-DD nor an ISO 8601 time")
        }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    /// A day means its start in New York (exchange time); a time is taken as written.
    static func parseSince(_ text: String) -> Date? {
        if let time = ISO8601.parse(text) { return time }
        guard text.count == 10, let day = Expiry(text), let zone = TimeZone(identifier: "America/New_York") else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
    }

    func run() throws {
        let store = try options.open()
        let query = JournalQuery(
            since: since.flatMap(Self.parseSince), symbol: symbol, kind: kind, limit: limit)
        let events = try store.events(query)
        if json {
            print(try JSONOutput.render(events))
            return
        }
        if events.isEmpty {
            let kinds = try store.eventKinds()
            print(
                "no events match\(kinds.isEmpty ? " (the journal is empty)" : "; kinds in the journal: \(kinds.joined(separator: ", "))")"
            )
            return
        }
        for e in events {
            print(
                "\(ISO8601.format(e.time))  \(e.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \((e.symbol ?? "-").padding(toLength: 5, withPad: " ", startingAt: 0)) \(e.message)"
            )
        }
    }
}
