import Foundation
import GRDB
import OptionsModel

/// One stored equity mark (the journal's `equity_mark` events).
public struct EquityPoint: Sendable, Equatable {
    public var time: Date
    public var equity: Double

    /// A mark.
    public init(time: Date, equity: Double) {
        self.time = time
        self.equity = equity
    }
}

/// Bounded readers for the dashboard: every series is thinned in SQL to at most a given number of
/// points, so a page over a year of cycles reads hundreds of rows, not every cycle's.
extension SQLiteStore {
    /// A symbol's underlying snapshots oldest first, at most about `maxPoints` (every n-th row, and
    /// always the latest, so the newest value on a chart is the stored one).
    public func underlyingSeries(symbol: String, maxPoints: Int) throws -> [UnderlyingSnapshot] {
        try pool.read { db in
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM underlying_snapshots WHERE symbol = ?", arguments: [symbol]) ?? 0
            let step = Self.stride(total: total, maxPoints: maxPoints)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY timestamp) AS n FROM underlying_snapshots
                        WHERE symbol = ?) WHERE (n - 1) % ? = 0 OR n = ? ORDER BY timestamp
                    """, arguments: [symbol, step, total])
            return rows.map(Self.underlyingSnapshot)
        }
    }

    /// The journal's equity marks oldest first, at most about `2 * maxPoints`: the lowest and the
    /// highest mark of each stretch (so thinning never hides a peak or a drawdown), and the latest mark.
    public func equitySeries(maxPoints: Int) throws -> [EquityPoint] {
        try pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE kind = 'equity_mark'") ?? 0
            let step = Self.stride(total: total, maxPoints: maxPoints)
            // SQLite gives a bare column the values of the row MIN() or MAX() picked.
            let marks = """
                SELECT id, time, CAST(json_extract(data, '$.equity') AS REAL) AS equity,
                    ROW_NUMBER() OVER (ORDER BY id) AS n FROM events WHERE kind = 'equity_mark'
                """
            var picked: [Int64: EquityPoint] = [:]
            for sql in [
                "SELECT id, time, MIN(equity) AS equity FROM (\(marks)) WHERE equity IS NOT NULL GROUP BY (n - 1) / ?",
                "SELECT id, time, MAX(equity) AS equity FROM (\(marks)) WHERE equity IS NOT NULL GROUP BY (n - 1) / ?",
                "SELECT id, time, equity FROM (\(marks)) WHERE equity IS NOT NULL AND n = ?",
            ] {
                let argument = sql.hasSuffix("n = ?") ? total : step
                for row in try Row.fetchAll(db, sql: sql, arguments: [argument]) {
                    guard let time = ISOTime.date(row["time"]), let equity = row["equity"] as Double? else { continue }
                    picked[row["id"]] = EquityPoint(time: time, equity: equity)
                }
            }
            return picked.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    /// The latest journal event of `symbol` among `kinds`, or nil.
    public func latestEvent(symbol: String, kinds: [JournalKind]) throws -> JournalEvent? {
        guard !kinds.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        var arguments: [any DatabaseValueConvertible] = [symbol]
        arguments += kinds.map(\.rawValue)
        return try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM events WHERE symbol = ? AND kind IN (\(marks)) ORDER BY id DESC LIMIT 1",
                arguments: StatementArguments(arguments)
            ).map { row in
                JournalEvent(
                    id: row["id"], time: ISOTime.date(row["time"]) ?? .distantPast,
                    kind: JournalKind(rawValue: row["kind"]), symbol: row["symbol"], message: row["message"],
                    data: row["data"])
            }
        }
    }

    /// Rows in the tables the dashboard reads (what a benchmark reports it rendered from).
    public func dashboardRowCounts() throws -> [String: Int] {
        try pool.read { db in
            var out: [String: Int] = [:]
            for table in ["collection_cycles", "underlying_snapshots", "option_snapshots", "events", "positions"] {
                out[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return out
        }
    }

    static func stride(total: Int, maxPoints: Int) -> Int {
        max(1, Int((Double(total) / Double(max(1, maxPoints))).rounded(.up)))
    }
}
