import ArgumentParser
import Foundation
import Orchestrator

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
        if let since, StoreReader.journalSince(since) == nil {
            throw ValidationError("--since '\(since)' is neither a day YYYY-MM-DD nor an ISO 8601 time")
        }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() throws {
        let store = try options.open()
        print(
            try store.journalText(
                since: since.flatMap(StoreReader.journalSince), symbol: symbol, kind: kind, limit: limit, json: json))
    }
}
