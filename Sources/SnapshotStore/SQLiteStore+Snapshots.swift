import Foundation
import GRDB
import GRDBSQLite
import OptionsModel

/// Option snapshots: the upsert of a cycle's chains and the readers of stored chains.
extension SQLiteStore {
    // MARK: Writing snapshots

    static let upsertOption = """
        INSERT INTO option_snapshots (timestamp, symbol, expiry, strike, "right", bid, ask, last, volume, open_interest,
            iv, delta, gamma, theta, vega, underlying_price, yearmonth, date, source, quality_flags, cycle_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (timestamp, symbol, expiry, strike, "right") DO UPDATE SET
            bid = excluded.bid, ask = excluded.ask, last = excluded.last, volume = excluded.volume,
            open_interest = excluded.open_interest, iv = excluded.iv, delta = excluded.delta, gamma = excluded.gamma,
            theta = excluded.theta, vega = excluded.vega, underlying_price = excluded.underlying_price,
            source = excluded.source, quality_flags = excluded.quality_flags, cycle_id = excluded.cycle_id
        """

    public func recordSymbol(cycleID: Int64, chain: ChainSnapshot, underlying: UnderlyingSnapshot) throws {
        let stamp = ISOTime.string(chain.timestamp)
        let day = MarketCalendar().tradingDay(of: chain.timestamp).iso
        try pool.write { db in
            // Thousands of rows per symbol: bind straight into the prepared statement (GRDB's argument
            // arrays box every value, which halves throughput).
            let statement = try db.cachedStatement(sql: Self.upsertOption)
            let raw = statement.sqliteStatement
            var expiryText: [Expiry: (String, String)] = [:]
            for o in chain.options {
                let c = o.contract
                let (expiry, yearMonth) =
                    expiryText[c.expiry]
                    ?? {
                        let texts = (c.expiry.yyyymmdd, c.expiry.yearMonth)
                        expiryText[c.expiry] = texts
                        return texts
                    }()
                sqlite3_reset(raw)
                Self.bind(raw, 1, stamp)
                Self.bind(raw, 2, c.symbol)
                Self.bind(raw, 3, expiry)
                sqlite3_bind_double(raw, 4, c.strike)
                Self.bind(raw, 5, c.right.code)
                for (index, value) in [
                    o.quote.bid, o.quote.ask, o.quote.last, o.quote.volume, o.quote.openInterest,
                    o.greeks.impliedVolatility,
                    o.greeks.delta, o.greeks.gamma, o.greeks.theta, o.greeks.vega, o.underlyingPrice,
                ].enumerated() {
                    if let value, value.isFinite {
                        sqlite3_bind_double(raw, Int32(6 + index), value)
                    } else {
                        sqlite3_bind_null(raw, Int32(6 + index))
                    }
                }
                Self.bind(raw, 17, yearMonth)
                Self.bind(raw, 18, day)
                Self.bind(raw, 19, o.source.rawValue)
                sqlite3_bind_int64(raw, 20, Int64(o.flags.rawValue))
                sqlite3_bind_int64(raw, 21, cycleID)
                let code = sqlite3_step(raw)
                guard code == SQLITE_DONE else {
                    let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                    sqlite3_reset(raw)
                    throw StoreError("writing \(c) failed: \(message) (SQLite \(code))")
                }
            }
            sqlite3_reset(raw)
            try db.execute(
                sql: """
                    INSERT INTO underlying_snapshots (timestamp, symbol, price, vix, trend, iv_rank, atm_iv, source, cycle_id,
                        next_dividend_date, next_dividend_amount)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (timestamp, symbol) DO UPDATE SET price = excluded.price, vix = excluded.vix, trend = excluded.trend,
                        iv_rank = excluded.iv_rank, atm_iv = excluded.atm_iv, source = excluded.source, cycle_id = excluded.cycle_id,
                        next_dividend_date = excluded.next_dividend_date, next_dividend_amount = excluded.next_dividend_amount
                    """,
                arguments: [
                    stamp, underlying.symbol, underlying.price, underlying.vix, underlying.trend?.rawValue,
                    underlying.ivRank, underlying.atmIV, underlying.source.rawValue, cycleID,
                    underlying.nextDividend?.exDate.yyyymmdd, underlying.nextDividend?.amount,
                ])
            if let iv = underlying.atmIV {
                // The day's latest ATM IV is the day's value for IV rank.
                try db.execute(
                    sql:
                        "INSERT INTO daily_atm_iv (symbol, date, atm_iv, source) VALUES (?, ?, ?, ?) ON CONFLICT (symbol, date) DO UPDATE SET atm_iv = excluded.atm_iv, source = excluded.source",
                    arguments: [underlying.symbol, day, iv, underlying.source.rawValue])
            }
        }
    }

    /// SQLite copies bound text (the destructor -1 is SQLITE_TRANSIENT, a macro Swift cannot import).
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func bind(_ statement: OpaquePointer?, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            _ = buffer.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), transient)
            }
        }
    }

    // MARK: Reading snapshots

    public func latestChain(
        symbol: String, expiryFrom: Expiry? = nil, expiryTo: Expiry? = nil, right: OptionRight? = nil
    ) throws -> ChainSnapshot? {
        try pool.read { db in
            guard
                let stamp = try String.fetchOne(
                    db, sql: "SELECT MAX(timestamp) FROM option_snapshots WHERE symbol = ?", arguments: [symbol]),
                let timestamp = ISOTime.date(stamp)
            else { return nil }
            var sql = "SELECT * FROM option_snapshots WHERE symbol = ? AND timestamp = ?"
            var arguments: StatementArguments = [symbol, stamp]
            if let expiryFrom { sql += " AND expiry >= ?"; arguments += [expiryFrom.yyyymmdd] }
            if let expiryTo { sql += " AND expiry <= ?"; arguments += [expiryTo.yyyymmdd] }
            if let right { sql += " AND \"right\" = ?"; arguments += [right.code] }
            sql += " ORDER BY expiry, strike, \"right\""
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var options: [OptionQuote] = []
            var sources: [DataSource: Int] = [:]
            var underlying: Double?
            while let row = try rows.next() {
                guard let quote = Self.optionQuote(row) else { continue }
                sources[quote.source, default: 0] += 1
                underlying = underlying ?? quote.underlyingPrice
                options.append(quote)
            }
            // Rows keep their own source; the chain as a whole is the source of most of its rows.
            let source =
                sources.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key ?? .ib
            return ChainSnapshot(
                symbol: symbol, timestamp: timestamp, underlyingPrice: underlying, options: options, source: source)
        }
    }

    static func optionQuote(_ row: Row) -> OptionQuote? {
        guard let expiry = Expiry(row["expiry"] as String? ?? ""),
            let right = OptionRight(code: row["right"] as String? ?? ""),
            let source = DataSource(rawValue: row["source"] as String? ?? "")
        else { return nil }
        let contract = OptionContract(symbol: row["symbol"], expiry: expiry, strike: row["strike"], right: right)
        return OptionQuote(
            contract: contract,
            quote: Quote(
                bid: row["bid"], ask: row["ask"], last: row["last"], volume: row["volume"],
                openInterest: row["open_interest"]),
            greeks: Greeks(
                impliedVolatility: row["iv"], delta: row["delta"], gamma: row["gamma"], theta: row["theta"],
                vega: row["vega"]),
            underlyingPrice: row["underlying_price"], flags: QualityFlags(rawValue: row["quality_flags"]),
            source: source)
    }

    public func ivHistory(symbol: String, days: Int, until: Date) throws -> IVHistory {
        let last = MarketCalendar().tradingDay(of: until).iso
        return try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT date, atm_iv FROM daily_atm_iv WHERE symbol = ? AND date <= ? ORDER BY date DESC LIMIT ?",
                arguments: [symbol, last, days])
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

    @discardableResult
    public func backfillDailyATMIV(symbol: String, points: [(day: TradingDay, atmIV: Double)], source: DataSource)
        throws -> Int
    {
        try pool.write { db in
            var added = 0
            for p in points where p.atmIV.isFinite && p.atmIV > 0 {
                try db.execute(
                    sql:
                        "INSERT INTO daily_atm_iv (symbol, date, atm_iv, source) VALUES (?, ?, ?, ?) ON CONFLICT (symbol, date) DO NOTHING",
                    arguments: [symbol, p.day.iso, p.atmIV, source.rawValue])
                added += db.changesCount
            }
            return added
        }
    }

    public func lastUnderlyingPrice(symbol: String, from: Date, until: Date) throws -> Double? {
        try pool.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT price FROM underlying_snapshots WHERE symbol = ? AND timestamp >= ? AND timestamp < ?
                        AND price IS NOT NULL ORDER BY timestamp DESC LIMIT 1
                    """, arguments: [symbol, ISOTime.string(from), ISOTime.string(until)])
        }
    }

    public func latestUnderlyings() throws -> [UnderlyingSnapshot] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.* FROM underlying_snapshots u
                    JOIN (SELECT symbol, MAX(timestamp) AS t FROM underlying_snapshots GROUP BY symbol) m ON u.symbol = m.symbol AND u.timestamp = m.t
                    ORDER BY u.symbol
                    """
            ).map(Self.underlyingSnapshot)
        }
    }

    /// The latest cycle that stored each symbol: symbol -> (cycle id, cycle timestamp).
    public func latestCyclePerSymbol() throws -> [String: (cycleID: Int64, timestamp: Date)] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT symbol, cycle_id, MAX(timestamp) AS t FROM underlying_snapshots WHERE cycle_id IS NOT NULL GROUP BY symbol"
            )
            var out: [String: (Int64, Date)] = [:]
            for row in rows {
                if let time = ISOTime.date(row["t"]) { out[row["symbol"]] = (row["cycle_id"], time) }
            }
            return out
        }
    }
}
