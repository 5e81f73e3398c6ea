import Foundation
import GRDB
import OptionsModel

/// What the store holds for one symbol (`GET /api/symbols`).
public struct StoredSymbol: Sendable, Equatable, Codable {
    /// The ticker.
    public var symbol: String
    /// The earliest option or underlying snapshot time (nil: only bars or IV history are stored).
    public var firstTimestamp: Date?
    /// The latest option or underlying snapshot time.
    public var lastTimestamp: Date?
    /// Option snapshot rows.
    public var optionRows: Int
    /// Underlying snapshot rows (one per collected cycle).
    public var underlyingRows: Int
    /// Daily bars.
    public var bars: Int
    /// Days of daily ATM IV history.
    public var ivDays: Int

    /// A symbol's inventory.
    public init(
        symbol: String, firstTimestamp: Date?, lastTimestamp: Date?, optionRows: Int, underlyingRows: Int, bars: Int,
        ivDays: Int
    ) {
        self.symbol = symbol
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.optionRows = optionRows
        self.underlyingRows = underlyingRows
        self.bars = bars
        self.ivDays = ivDays
    }
}

// MARK: History readers (the HTTP history API)

extension SQLiteStore {
    /// Daily bars of `symbol` between two days (inclusive, either open), oldest first; at most the
    /// latest `limit` of them.
    public func dailyBars(symbol: String, from: TradingDay?, to: TradingDay?, limit: Int) throws -> [Bar] {
        var sql = "SELECT date, open, high, low, close, volume FROM bars WHERE symbol = ? AND bar_size = '1 day'"
        var arguments: StatementArguments = [symbol]
        if let from { sql += " AND date >= ?"; arguments += [from.iso] }
        if let to { sql += " AND date <= ?"; arguments += [to.iso] }
        sql += " ORDER BY date DESC LIMIT ?"
        arguments += [max(limit, 0)]
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).reversed().compactMap { row in
                guard let day = TradingDay(row["date"] as String? ?? "") else { return nil }
                return Bar(
                    day: day, open: row["open"], high: row["high"], low: row["low"], close: row["close"],
                    volume: row["volume"])
            }
        }
    }

    /// The latest `days` days of stored daily ATM IV of `symbol`, whatever the clock says (the
    /// simulator's market time may run ahead of the system's), with their range.
    public func latestIVHistory(symbol: String, days: Int) throws -> IVHistory {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT date, atm_iv FROM daily_atm_iv WHERE symbol = ? ORDER BY date DESC LIMIT ?",
                arguments: [symbol, max(days, 0)])
            let points = rows.reversed().compactMap { row -> (TradingDay, Double)? in
                guard let day = TradingDay(row["date"] as String? ?? "") else { return nil }
                return (day, row["atm_iv"])
            }
            let values = points.map(\.1)
            return IVHistory(
                points: points, min: values.min(), max: values.max(),
                average: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count))
        }
    }

    /// Whether anything (options, underlying snapshots, bars, IV history) is stored for `symbol`: one
    /// indexed probe per table.
    public func storesSymbol(_ symbol: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM option_snapshots WHERE symbol = ?1)
                        OR EXISTS (SELECT 1 FROM underlying_snapshots WHERE symbol = ?1)
                        OR EXISTS (SELECT 1 FROM bars WHERE symbol = ?1)
                        OR EXISTS (SELECT 1 FROM daily_atm_iv WHERE symbol = ?1)
                    """, arguments: [symbol]) ?? false
        }
    }

    /// What is stored per symbol, sorted by symbol: snapshot time range and row counts of each table.
    public func storedSymbols() throws -> [StoredSymbol] {
        try pool.read { db in
            var found: [String: StoredSymbol] = [:]
            func entry(_ symbol: String) -> StoredSymbol {
                found[symbol]
                    ?? StoredSymbol(
                        symbol: symbol, firstTimestamp: nil, lastTimestamp: nil, optionRows: 0, underlyingRows: 0,
                        bars: 0, ivDays: 0)
            }
            func widen(_ s: inout StoredSymbol, _ first: String?, _ last: String?) {
                if let a = first.flatMap(ISOTime.date) { s.firstTimestamp = min(s.firstTimestamp ?? a, a) }
                if let b = last.flatMap(ISOTime.date) { s.lastTimestamp = max(s.lastTimestamp ?? b, b) }
            }
            // Each query walks one index ((symbol, timestamp) or a primary key led by symbol).
            let counts: [(sql: String, timed: Bool, set: (inout StoredSymbol, Int) -> Void)] = [
                (
                    "SELECT symbol, MIN(timestamp) AS a, MAX(timestamp) AS b, COUNT(*) AS n FROM option_snapshots GROUP BY symbol",
                    true, { $0.optionRows = $1 }
                ),
                (
                    "SELECT symbol, MIN(timestamp) AS a, MAX(timestamp) AS b, COUNT(*) AS n FROM underlying_snapshots GROUP BY symbol",
                    true, { $0.underlyingRows = $1 }
                ),
                (
                    "SELECT symbol, COUNT(*) AS n FROM bars WHERE bar_size = '1 day' GROUP BY symbol", false,
                    { $0.bars = $1 }
                ),
                ("SELECT symbol, COUNT(*) AS n FROM daily_atm_iv GROUP BY symbol", false, { $0.ivDays = $1 }),
            ]
            for count in counts {
                for row in try Row.fetchAll(db, sql: count.sql) {
                    var s = entry(row["symbol"])
                    count.set(&s, row["n"])
                    if count.timed { widen(&s, row["a"], row["b"]) }
                    found[s.symbol] = s
                }
            }
            return found.values.sorted { $0.symbol < $1.symbol }
        }
    }
}
