import Foundation
import GRDB
import GRDBSQLite
import OptionsModel

/// Stored cycles read back in time order, one at a time (replay keeps one cycle in memory whatever the
/// length of the history).
public protocol StoredCycleReading: Sendable {
    /// The stored cycle timestamps in `[from, to)`, oldest first, with the symbols each holds.
    func storedCycleTimes(from: Date?, to: Date?, symbols: [String]?) throws -> [Date]
    /// The chains and underlying snapshots stored at `timestamp` (one per symbol).
    func storedCycle(at timestamp: Date, symbols: [String]?) throws -> [(
        chain: ChainSnapshot, underlying: UnderlyingSnapshot
    )]
}

extension SQLiteStore: StoredCycleReading {
    public func storedCycleTimes(from: Date?, to: Date?, symbols: [String]?) throws -> [Date] {
        var sql = "SELECT DISTINCT timestamp FROM underlying_snapshots WHERE 1 = 1"
        var arguments: [any DatabaseValueConvertible] = []
        if let from {
            sql += " AND timestamp >= ?"
            arguments.append(ISOTime.string(from))
        }
        if let to {
            sql += " AND timestamp < ?"
            arguments.append(ISOTime.string(to))
        }
        if let symbols, !symbols.isEmpty {
            sql += " AND symbol IN (\(Array(repeating: "?", count: symbols.count).joined(separator: ", ")))"
            arguments += symbols.map { $0 as any DatabaseValueConvertible }
        }
        sql += " ORDER BY timestamp"
        return try pool.read { db in
            try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).compactMap(ISOTime.date)
        }
    }

    public func storedCycle(at timestamp: Date, symbols: [String]?) throws -> [(
        chain: ChainSnapshot, underlying: UnderlyingSnapshot
    )] {
        let stamp = ISOTime.string(timestamp)
        return try pool.read { db in
            let underlyings = try Row.fetchAll(
                db, sql: "SELECT * FROM underlying_snapshots WHERE timestamp = ? ORDER BY symbol", arguments: [stamp]
            ).map(Self.underlyingSnapshot).filter { symbols?.contains($0.symbol) ?? true }
            var out: [(ChainSnapshot, UnderlyingSnapshot)] = []
            // Millions of rows per replay: read the columns by position straight off the statement
            // (GRDB's rows by name cost several times the decoding itself).
            let statement = try db.cachedStatement(
                sql: #"""
                    SELECT expiry, strike, "right", bid, ask, last, volume, open_interest, iv, delta, gamma, theta,
                        vega, underlying_price, quality_flags, source
                    FROM option_snapshots WHERE timestamp = ? AND symbol = ? ORDER BY expiry, strike, "right"
                    """#)
            let raw = statement.sqliteStatement
            var expiries: [String: Expiry] = [:]
            for u in underlyings {
                var options: [OptionQuote] = []
                sqlite3_reset(raw)
                sqlite3_bind_text(raw, 1, stamp, -1, Self.transient)
                sqlite3_bind_text(raw, 2, u.symbol, -1, Self.transient)
                func double(_ i: Int32) -> Double? {
                    sqlite3_column_type(raw, i) == SQLITE_NULL ? nil : sqlite3_column_double(raw, i)
                }
                func text(_ i: Int32) -> String {
                    sqlite3_column_text(raw, i).map { String(cString: $0) } ?? ""
                }
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else {
                        throw StoreError(
                            "reading \(u.symbol) at \(stamp): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(raw))))"
                        )
                    }
                    let expiryText = text(0)
                    guard let expiry = expiries[expiryText] ?? Expiry(expiryText),
                        let right = OptionRight(code: text(2)),
                        let source = DataSource(rawValue: text(15))
                    else { continue }
                    expiries[expiryText] = expiry
                    options.append(
                        OptionQuote(
                            contract: OptionContract(
                                symbol: u.symbol, expiry: expiry, strike: sqlite3_column_double(raw, 1), right: right),
                            quote: Quote(
                                bid: double(3), ask: double(4), last: double(5), volume: double(6),
                                openInterest: double(7)),
                            greeks: Greeks(
                                impliedVolatility: double(8), delta: double(9), gamma: double(10), theta: double(11),
                                vega: double(12)),
                            underlyingPrice: double(13),
                            flags: QualityFlags(rawValue: Int(sqlite3_column_int64(raw, 14))), source: source))
                }
                // The chain's spot is the cycle's underlying price, as the live picture had it.
                out.append(
                    (
                        ChainSnapshot(
                            symbol: u.symbol, timestamp: timestamp, underlyingPrice: u.price, options: options,
                            source: u.source), u
                    ))
            }
            return out
        }
    }

    static func underlyingSnapshot(_ row: Row) -> UnderlyingSnapshot {
        UnderlyingSnapshot(
            symbol: row["symbol"], timestamp: ISOTime.date(row["timestamp"]) ?? .distantPast, price: row["price"],
            vix: row["vix"], trend: (row["trend"] as String?).flatMap(Trend.init(rawValue:)), ivRank: row["iv_rank"],
            atmIV: row["atm_iv"], source: DataSource(rawValue: row["source"]) ?? .ib,
            nextDividend: dividend(date: row["next_dividend_date"], amount: row["next_dividend_amount"]))
    }

    static func dividend(date: String?, amount: Double?) -> Dividend? {
        guard let date, let day = Expiry(date), let amount else { return nil }
        return Dividend(exDate: day, amount: amount)
    }
}

extension SQLiteStore {
    /// Saves one configuration's replay result (JSON) under `name`, replacing an earlier save of it.
    public func saveReplayResult(name: String, config: String, savedAt: Date, json: String) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO replay_results (name, config, saved_at, result) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name, config) DO UPDATE SET saved_at = excluded.saved_at, result = excluded.result
                    """, arguments: [name, config, ISOTime.string(savedAt), json])
        }
    }

    /// The saved results of a replay name, by configuration.
    public func savedReplayResults(name: String) throws -> [(config: String, json: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT config, result FROM replay_results WHERE name = ? ORDER BY config", arguments: [name]
            ).map { ($0["config"], $0["result"]) }
        }
    }
}
