import Foundation
import GRDB
import OptionsModel

/// One stored equity mark (the journal's `equity_mark` events).
public struct EquityPoint: Sendable, Equatable {
    /// When the mark was taken (market time).
    public var time: Date
    /// The book's equity in dollars.
    public var equity: Double

    /// A mark.
    public init(time: Date, equity: Double) {
        self.time = time
        self.equity = equity
    }
}

/// A symbol's thinned underlying series and the cycle of its latest row.
public struct UnderlyingSeries: Sendable, Equatable {
    /// Oldest first.
    public var points: [UnderlyingSnapshot]
    /// The cycle that stored the latest row (nil when none, or written without a cycle).
    public var latestCycleID: Int64?

    /// A series.
    public init(points: [UnderlyingSnapshot], latestCycleID: Int64?) {
        self.points = points
        self.latestCycleID = latestCycleID
    }
}

/// Bounded readers for the dashboard: every series is sampled with index seeks (one per point), so a
/// page over a year of cycles reads hundreds of rows, never every cycle's, and no query scans a table.
extension SQLiteStore {
    /// A symbol's underlying snapshots oldest first, at most `maxPoints + 1`: the first row at or after
    /// each of `maxPoints` evenly spaced times, and always the latest row (so the newest value on a
    /// chart is the stored one).
    public func underlyingSeries(symbol: String, maxPoints: Int) throws -> UnderlyingSeries {
        try pool.read { db in
            // The primary key (timestamp, symbol) is the index: every query below is a seek into it.
            guard
                let first = try String.fetchOne(
                    db, sql: "SELECT timestamp FROM underlying_snapshots WHERE symbol = ? ORDER BY timestamp LIMIT 1",
                    arguments: [symbol]),
                let lastRow = try Row.fetchOne(
                    db, sql: "SELECT * FROM underlying_snapshots WHERE symbol = ? ORDER BY timestamp DESC LIMIT 1",
                    arguments: [symbol]),
                let start = ISOTime.date(first)
            else { return UnderlyingSeries(points: [], latestCycleID: nil) }
            let last: String = lastRow["timestamp"]
            let end = ISOTime.date(last) ?? start
            let seek = try db.cachedStatement(
                sql: "SELECT * FROM underlying_snapshots WHERE symbol = ? AND timestamp >= ? ORDER BY timestamp LIMIT 1"
            )
            var points: [UnderlyingSnapshot] = []
            var previous = ""
            let n = max(1, maxPoints)
            for i in 0..<n {
                let at = ISOTime.string(start.addingTimeInterval(end.timeIntervalSince(start) * Double(i) / Double(n)))
                // The first row at or after `at` is `previous` itself when `at` falls before it: no query.
                if at <= previous { continue }
                guard let row = try Row.fetchOne(seek, arguments: [symbol, at]) else { break }
                let stamp: String = row["timestamp"]
                if stamp >= last { break }
                if stamp == previous { continue }
                previous = stamp
                points.append(Self.underlyingSnapshot(row))
            }
            points.append(Self.underlyingSnapshot(lastRow))
            return UnderlyingSeries(points: points, latestCycleID: lastRow["cycle_id"])
        }
    }

    /// The journal's equity marks oldest first, at most `maxPoints + 1`: the first mark at or after
    /// each of `maxPoints` evenly spaced journal positions, and always the latest mark. A dip shorter
    /// than the spacing may look shallower than it was (the spacing is a year / `maxPoints`).
    public func equitySeries(maxPoints: Int) throws -> [EquityPoint] {
        try pool.read { db in
            let select = "SELECT id, time, CAST(json_extract(data, '$.equity') AS REAL) AS equity FROM events"
            guard
                let firstID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM events WHERE kind = 'equity_mark' ORDER BY id LIMIT 1"),
                let lastRow = try Row.fetchOne(
                    db, sql: "\(select) WHERE kind = 'equity_mark' ORDER BY id DESC LIMIT 1")
            else { return [] }
            let lastID: Int64 = lastRow["id"]
            let seek = try db.cachedStatement(
                sql: "\(select) WHERE kind = 'equity_mark' AND id >= ? ORDER BY id LIMIT 1")
            var rows: [Row] = []
            var previous: Int64 = firstID - 1
            let n = max(1, maxPoints)
            for i in 0..<n {
                let at = firstID + (lastID - firstID) * Int64(i) / Int64(n)
                if at <= previous { continue }
                guard let row = try Row.fetchOne(seek, arguments: [at]) else { break }
                let id: Int64 = row["id"]
                if id >= lastID { break }
                previous = id
                rows.append(row)
            }
            rows.append(lastRow)
            return rows.compactMap { row in
                guard let time = ISOTime.date(row["time"]), let equity = row["equity"] as Double? else { return nil }
                return EquityPoint(time: time, equity: equity)
            }
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
}
