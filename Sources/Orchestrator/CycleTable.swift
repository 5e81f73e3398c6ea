import Foundation
import SnapshotStore

/// The per-symbol table of a cycle.
public enum CycleTable {
    /// The header line, then one row per symbol with its notes.
    public static func render(_ r: CycleReport) -> String {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        var lines = [
            "cycle #\(r.cycleID) at \(ISO8601.format(r.timestamp)): \(r.status.rawValue) in \(String(format: "%.1f", r.seconds)) s"
        ]
        lines.append("symbol  contracts  iv_rank  atm_iv  vix    trend      source     seconds  error")
        for s in r.symbols {
            lines.append(
                [
                    s.symbol.padding(toLength: 8, withPad: " ", startingAt: 0),
                    String(s.contracts).padding(toLength: 11, withPad: " ", startingAt: 0),
                    f(s.ivRank, "%.1f").padding(toLength: 9, withPad: " ", startingAt: 0),
                    f(s.atmIV.map { $0 * 100 }, "%.1f%%").padding(toLength: 8, withPad: " ", startingAt: 0),
                    f(s.vix, "%.2f").padding(toLength: 7, withPad: " ", startingAt: 0),
                    (s.trend ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0),
                    (s.source ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0),
                    f(s.seconds, "%.1f").padding(toLength: 9, withPad: " ", startingAt: 0),
                    s.error ?? "",
                ].joined())
            for note in s.notes { lines.append("  note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }
}
