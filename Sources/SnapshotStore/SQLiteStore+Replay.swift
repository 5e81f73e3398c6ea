import Foundation
import GRDB
import OptionsModel

/// Stored cycles read back in time order, one at a time (replay keeps one cycle in memory whatever the
/// length of the history).
public protocol StoredCycleReading: Sendable {
    /// The stored cycle timestamps in `[from, to)`, oldest first, with the symbols each holds.
    func storedCycleTimes(from: Date?, to: Date?, symbols: [String]?) throws -> [Date]
    /// The chains and underlying snapshots stored at `timestamp` (one per symbol).
    func storedCycle(at timestamp: Date, symbols: [String]?) throws -> [(chain: ChainSnapshot, underlying: UnderlyingSnapshot)]
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
            let statement = try db.cachedStatement(
                sql: #"SELECT * FROM option_snapshots WHERE timestamp = ? AND symbol = ? ORDER BY expiry, strike, "right""#)
            for u in underlyings {
                var options: [OptionQuote] = []
                let rows = try Row.fetchCursor(statement, arguments: [stamp, u.symbol])
                while let row = try rows.next() {
                    if let quote = Self.optionQuote(row) { options.append(quote) }
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
            atmIV: row["atm_iv"], source: DataSource(rawValue: row["source"]) ?? .ib)
    }
}
