import Foundation
import SnapshotStore

/// `store recover`: what was copied out of a (damaged) store into a new file, ready to print.
public struct StoreRecovery: Sendable {
    let report: StoreRecoveryReport
    /// The damaged store read from.
    public let source: String

    /// Copies every readable row of the store at `source` into a new database at `destination`
    /// (which must not exist); throws when neither can be used.
    public static func recover(from source: String, to destination: String) throws -> StoreRecovery {
        StoreRecovery(report: try SQLiteStore.recover(from: source, to: destination), source: source)
    }

    /// Whether a table lost rows in its damaged part.
    public var lostRows: Bool { report.tables.contains(where: \.damaged) }

    /// Whether SQLite found problems in the new file too.
    public var destinationHasProblems: Bool { !report.destinationProblems.isEmpty }

    /// The outcome as one JSON document.
    public func json() throws -> String { try JSONOutput.render(report) }

    /// One line per table, the verdict, and what to do next.
    public var text: String {
        let damaged = report.tables.filter(\.damaged)
        let to = report.destination
        var lines = report.tables.map { t in
            "\(t.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(t.rowsCopied) rows\(t.damaged ? "  (damaged: rows in the damaged part are lost)" : "")"
        }
        lines.append(
            damaged.isEmpty
                ? "recovered everything into \(to)"
                : "recovered what was readable into \(to); \(damaged.count) table(s) lost rows")
        if !report.destinationProblems.isEmpty {
            lines.append("the new file has problems too: \(report.destinationProblems.joined(separator: "; "))")
        }
        lines.append("next: point storage.path at \(to) (keep \(source) until you are satisfied)")
        return lines.joined(separator: "\n")
    }
}
