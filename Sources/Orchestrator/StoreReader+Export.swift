import OptionsModel
import SnapshotStore

extension StoreReader {
    /// How `store export` writes rows.
    public enum ExportFormat: String, Sendable, CaseIterable {
        /// Comma-separated values with a header line.
        case csv
        /// One JSON object per line.
        case jsonl
    }

    /// Whether `text` is a day `YYYY-MM-DD` (`store export --from/--to`).
    public static func isDay(_ text: String) -> Bool { Expiry(text) != nil }

    /// Option rows of `symbol` between the days `from` and `to` (either open-ended when nil).
    public func exportRowCount(symbol: String, from: String?, to: String?) throws -> Int {
        try store.exportRowCount(symbol: symbol, from: from.flatMap(Expiry.init), to: to.flatMap(Expiry.init))
    }

    /// Streams `symbol`'s option rows between the days `from` and `to`, one line per call (the CSV
    /// header first).
    public func export(
        symbol: String, from: String?, to: String?, format: ExportFormat, _ line: (String) -> Void
    ) throws {
        try store.export(
            symbol: symbol, from: from.flatMap(Expiry.init), to: to.flatMap(Expiry.init),
            format: format == .csv ? .csv : .jsonl, line)
    }
}
