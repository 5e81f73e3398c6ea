import Foundation
import SnapshotStore

extension StoreReader {
    /// `store stats --json`: the store's figures as one JSON document.
    public func statsJSON() throws -> String {
        try JSONOutput.render(try store.stats())
    }

    /// `store stats`: rows, symbols, date range and the latest cycles.
    public func statsText() throws -> String {
        let s = try store.stats()
        var lines = ["database        \(store.path) (\(s.fileBytes / 1024) KiB, schema \(s.schemaVersion))"]
        lines.append("option rows     \(s.optionRows)")
        lines.append("symbols         \(s.symbols.joined(separator: ", "))")
        for symbol in s.symbols {
            lines.append(
                "  \(symbol.padding(toLength: 6, withPad: " ", startingAt: 0))        \(s.rowsPerSymbol[symbol] ?? 0) rows"
            )
        }
        lines.append(
            "first / latest  \(s.firstTimestamp.map(ISOTime.string) ?? "-") / \(s.lastTimestamp.map(ISOTime.string) ?? "-")"
        )
        lines.append(
            "cycles          \(s.cycles) (\(String(format: "%.0f", s.averageRowsPerCycle)) rows per snapshot timestamp)"
        )
        for c in try store.cycles(limit: 5) {
            lines.append(
                "  #\(c.id) \(ISOTime.string(c.startedAt)) \(c.status.rawValue) \(c.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            )
        }
        return lines.joined(separator: "\n")
    }
}
