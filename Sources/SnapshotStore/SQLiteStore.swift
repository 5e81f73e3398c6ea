import Foundation
import GRDB
import GRDBSQLite
import OptionsModel

/// A store error with what to do about it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The SQLite store: one file, WAL mode (readers never block the writer), migrations from day one.
/// Timestamps are ISO-8601 UTC text, expiries YYYYMMDD text, absent values NULL: readable by sqlite3,
/// pandas or polars as they are.
public final class SQLiteStore: MarketDataStore, TradingJournal, UnderlyingPriceHistory, Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating and migrating) the database at `path`. Refuses a database written by a newer
    /// version and, for writers, a damaged one (`PRAGMA quick_check`: `StoreDamagedError`); marks
    /// cycles left `running` by a crash as `failed`. `readOnly` opens an existing
    /// database without changing anything: for readers (`report`, `health`, `store stats`) that may
    /// run beside a live `run`, whose running cycle must not be taken for a crashed one.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError("no database at \(path): run `papertrader collect-once` or `run` first")
            }
        } else if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readOnly
        if !readOnly {
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        // A new file gets 8 KiB pages before WAL fixes the page size: the schema then fits its first
        // page (4 KiB could not hold it), so damage in the middle of a small store cannot take the
        // schema with it, and chain rows pack denser.
        if !readOnly && !FileManager.default.fileExists(atPath: path) {
            do {
                let fresh = try DatabaseQueue(path: path)
                try fresh.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA page_size = 8192")
                    try db.execute(sql: "VACUUM")
                }
                try fresh.close()
            } catch {
                throw StoreError("cannot create the database \(path): \(error)")
            }
        }
        // A writer never adds to a damaged file (it would bury the damage under new cycles). The check
        // runs on a read-only connection first, so that a refused open leaves the file exactly as it was.
        if !readOnly { try Self.refuseIfDamaged(path: path) }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch  where Self.isCorruption(error) {
            throw StoreDamagedError(path: path, findings: ["\(error)"])
        } catch {
            throw StoreError("cannot open the database \(path): \(error)")
        }
        let migrator = Self.migrator
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw StoreError(
                "database \(path) has schema migrations this build does not know (\(unknown.sorted().joined(separator: ", "))): it was written by a newer papertrader; upgrade papertrader or use another storage.path"
            )
        }
        if readOnly {
            let pending = migrator.migrations.filter { !applied.contains($0) }
            guard pending.isEmpty else {
                throw StoreError(
                    "database \(path) is at an older schema (missing \(pending.joined(separator: ", "))): open it once with `papertrader run` or `collect-once` to migrate"
                )
            }
            return
        }
        try migrator.migrate(pool)
        try pool.write { db in
            // When an interrupted cycle ended is unknown: it is stamped with its own start, in the
            // market time it was collected in (never this machine's clock, which a simulation does not follow).
            try db.execute(
                sql:
                    "UPDATE collection_cycles SET status = 'failed', finished_at = started_at, errors = ? WHERE status = 'running'",
                arguments: [#"["interrupted: the process ended before the cycle finished"]"#])
        }
    }

    /// The schema's migration identifiers, oldest first (the last is the schema version).
    public static var schemaVersion: String { migrator.migrations.last ?? "none" }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE option_snapshots (
                        timestamp TEXT NOT NULL, symbol TEXT NOT NULL, expiry TEXT NOT NULL, strike REAL NOT NULL,
                        "right" TEXT NOT NULL CHECK ("right" IN ('C', 'P')),
                        bid REAL, ask REAL, last REAL, volume REAL, open_interest REAL,
                        iv REAL, delta REAL, gamma REAL, theta REAL, vega REAL, underlying_price REAL,
                        yearmonth TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL,
                        quality_flags INTEGER NOT NULL DEFAULT 0, cycle_id INTEGER,
                        PRIMARY KEY (timestamp, symbol, expiry, strike, "right")
                    ) WITHOUT ROWID;
                    CREATE INDEX option_snapshots_latest ON option_snapshots (symbol, timestamp);
                    CREATE INDEX option_snapshots_history ON option_snapshots (symbol, date);
                    CREATE TABLE underlying_snapshots (
                        timestamp TEXT NOT NULL, symbol TEXT NOT NULL, price REAL, vix REAL, trend TEXT, iv_rank REAL,
                        atm_iv REAL, source TEXT NOT NULL, cycle_id INTEGER, PRIMARY KEY (timestamp, symbol)
                    );
                    CREATE TABLE daily_atm_iv (
                        symbol TEXT NOT NULL, date TEXT NOT NULL, atm_iv REAL NOT NULL, source TEXT NOT NULL,
                        PRIMARY KEY (symbol, date)
                    );
                    CREATE TABLE bars (
                        symbol TEXT NOT NULL, date TEXT NOT NULL, bar_size TEXT NOT NULL, open REAL NOT NULL, high REAL NOT NULL,
                        low REAL NOT NULL, close REAL NOT NULL, volume REAL, source TEXT NOT NULL,
                        PRIMARY KEY (symbol, date, bar_size)
                    );
                    CREATE TABLE collection_cycles (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
                        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
                        counts TEXT NOT NULL DEFAULT '{}', sources TEXT NOT NULL DEFAULT '{}', errors TEXT NOT NULL DEFAULT '[]',
                        notes TEXT NOT NULL DEFAULT '[]'
                    );
                    CREATE TABLE positions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, structure TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('opening', 'open', 'closing', 'closed')),
                        opened_at TEXT, closed_at TEXT, quantity INTEGER NOT NULL, expiry TEXT NOT NULL, legs TEXT NOT NULL,
                        entry_credit REAL, exit_debit REAL, max_loss REAL, realized_pnl REAL, exit_reason TEXT,
                        open_order_ref TEXT, close_order_ref TEXT
                    );
                    CREATE TABLE orders (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, order_ref TEXT NOT NULL UNIQUE, ib_order_id INTEGER,
                        position_id INTEGER REFERENCES positions(id), purpose TEXT NOT NULL CHECK (purpose IN ('open', 'close')),
                        status TEXT NOT NULL, limit_price REAL, quantity INTEGER NOT NULL, legs TEXT NOT NULL, account TEXT,
                        venue TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, reprice_count INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE fills (
                        exec_id TEXT PRIMARY KEY, order_ref TEXT, ib_order_id INTEGER, time TEXT NOT NULL, symbol TEXT NOT NULL,
                        leg TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT NULL, price REAL NOT NULL, commission REAL,
                        realized_pnl REAL
                    );
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, kind TEXT NOT NULL, symbol TEXT,
                        message TEXT NOT NULL, data TEXT
                    );
                    CREATE INDEX events_time ON events (time);
                    """)
        }
        // v2: positions that never opened get their own status (they are not closed trades), a note
        // says why in words; orders keep the units filled (partial fills); events are read by kind.
        // The new table's SQL is written without indentation: the schema (stored text) then still fits
        // the first page, where a damaged middle of a small file cannot reach it.
        m.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE positions_v2 (id INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, \
                    structure TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN \
                    ('opening','open','closing','closed','unfilled')), opened_at TEXT, closed_at TEXT, \
                    quantity INTEGER NOT NULL, expiry TEXT NOT NULL, legs TEXT NOT NULL, entry_credit REAL, \
                    exit_debit REAL, max_loss REAL, realized_pnl REAL, exit_reason TEXT, open_order_ref TEXT, \
                    close_order_ref TEXT, note TEXT);
                    INSERT INTO positions_v2 (id, symbol, structure, status, opened_at, closed_at, quantity, expiry, legs,
                        entry_credit, exit_debit, max_loss, realized_pnl, exit_reason, open_order_ref, close_order_ref, note)
                    SELECT id, symbol, structure,
                        CASE WHEN status = 'closed' AND entry_credit IS NULL THEN 'unfilled' ELSE status END,
                        opened_at, closed_at, quantity, expiry, legs, entry_credit, exit_debit, max_loss, realized_pnl,
                        CASE WHEN status = 'closed' AND entry_credit IS NULL THEN NULL ELSE exit_reason END,
                        open_order_ref, close_order_ref,
                        CASE WHEN status = 'closed' AND entry_credit IS NULL THEN exit_reason ELSE NULL END
                    FROM positions;
                    DROP TABLE positions;
                    ALTER TABLE positions_v2 RENAME TO positions;
                    ALTER TABLE orders ADD COLUMN filled_quantity INTEGER NOT NULL DEFAULT 0;
                    UPDATE orders SET filled_quantity = quantity WHERE status = 'filled';
                    CREATE INDEX events_kind ON events (kind, id);
                    """)
        }
        // v3: replay results saved by name (`replay --save`), apart from the live journal.
        m.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE TABLE replay_results (name TEXT NOT NULL, config TEXT NOT NULL, saved_at TEXT NOT NULL, \
                    result TEXT NOT NULL, PRIMARY KEY (name, config));
                    """)
        }
        // v4: a position whose options expired in the money holds shares until the next cycle closes
        // them ('assigned'). SQLite cannot change a CHECK constraint in place, so the table is rebuilt
        // (same columns, same ids; written unindented like v2 so the schema stays on the first page).
        m.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE positions_v4 (id INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, \
                    structure TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN \
                    ('opening','open','closing','closed','unfilled','assigned')), opened_at TEXT, closed_at TEXT, \
                    quantity INTEGER NOT NULL, expiry TEXT NOT NULL, legs TEXT NOT NULL, entry_credit REAL, \
                    exit_debit REAL, max_loss REAL, realized_pnl REAL, exit_reason TEXT, open_order_ref TEXT, \
                    close_order_ref TEXT, note TEXT);
                    INSERT INTO positions_v4 SELECT id, symbol, structure, status, opened_at, closed_at, quantity, \
                    expiry, legs, entry_credit, exit_debit, max_loss, realized_pnl, exit_reason, open_order_ref, \
                    close_order_ref, note FROM positions;
                    DROP TABLE positions;
                    ALTER TABLE positions_v4 RENAME TO positions;
                    """)
        }
        // v5: each underlying row keeps the next dividend its source announced (ex-date, amount), so
        // replay sees the ex-dividend exit the live trader saw.
        m.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    ALTER TABLE underlying_snapshots ADD COLUMN next_dividend_date TEXT;
                    ALTER TABLE underlying_snapshots ADD COLUMN next_dividend_amount REAL;
                    """)
        }
        return m
    }

    // MARK: Cycles

    public func beginCycle(startedAt: Date) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO collection_cycles (started_at, status) VALUES (?, 'running')",
                arguments: [ISOTime.string(startedAt)])
            return db.lastInsertedRowID
        }
    }

    public func finishCycle(
        id: Int64, finishedAt: Date, status: CycleStatus, counts: [String: Int], sources: [String: String],
        errors: [String],
        notes: [String]
    ) throws {
        try pool.write { db in
            try db.execute(
                sql:
                    "UPDATE collection_cycles SET finished_at = ?, status = ?, counts = ?, sources = ?, errors = ?, notes = ? WHERE id = ?",
                arguments: [
                    ISOTime.string(finishedAt), status.rawValue, JSONText.encode(counts), JSONText.encode(sources),
                    JSONText.encode(errors), JSONText.encode(notes), id,
                ])
        }
    }

    public func cycles(limit: Int) throws -> [CollectionCycle] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM collection_cycles ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map { row in
                    CollectionCycle(
                        id: row["id"], startedAt: ISOTime.date(row["started_at"]) ?? .distantPast,
                        finishedAt: (row["finished_at"] as String?).flatMap(ISOTime.date),
                        status: CycleStatus(rawValue: row["status"]) ?? .failed,
                        counts: JSONText.decode(row["counts"]) ?? [:], sources: JSONText.decode(row["sources"]) ?? [:],
                        errors: JSONText.decode(row["errors"]) ?? [], notes: JSONText.decode(row["notes"]) ?? [])
                }
        }
    }

    // MARK: Bars

    public func upsertBars(symbol: String, bars: [Bar], barSize: String = "1 day", source: DataSource) throws {
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO bars (symbol, date, bar_size, open, high, low, close, volume, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (symbol, date, bar_size) DO UPDATE SET open = excluded.open, high = excluded.high, low = excluded.low,
                        close = excluded.close, volume = excluded.volume, source = excluded.source
                    """)
            for b in bars {
                try statement.execute(arguments: [
                    symbol, b.day.iso, barSize, b.open, b.high, b.low, b.close, b.volume, source.rawValue,
                ])
            }
        }
    }

    public func bars(symbol: String, count: Int) throws -> [Bar] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM bars WHERE symbol = ? AND bar_size = '1 day' ORDER BY date DESC LIMIT ?",
                arguments: [symbol, count]
            ).reversed().compactMap { row in
                guard let day = TradingDay(row["date"] as String? ?? "") else { return nil }
                return Bar(
                    day: day, open: row["open"], high: row["high"], low: row["low"], close: row["close"],
                    volume: row["volume"])
            }
        }
    }

    // MARK: Maintenance

    public func stats() throws -> StoreStats {
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        return try pool.read { db in
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM option_snapshots") ?? 0
            let perSymbol = try Row.fetchAll(
                db, sql: "SELECT symbol, COUNT(*) AS n FROM option_snapshots GROUP BY symbol ORDER BY symbol")
            let range = try Row.fetchOne(
                db,
                sql:
                    "SELECT MIN(timestamp) AS a, MAX(timestamp) AS b, COUNT(DISTINCT timestamp) AS c FROM option_snapshots"
            )
            let cycles = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collection_cycles") ?? 0
            let stamps: Int = range?["c"] ?? 0
            return StoreStats(
                optionRows: rows, symbols: perSymbol.map { $0["symbol"] },
                firstTimestamp: (range?["a"] as String?).flatMap(ISOTime.date),
                lastTimestamp: (range?["b"] as String?).flatMap(ISOTime.date),
                cycles: cycles, averageRowsPerCycle: stamps == 0 ? 0 : Double(rows) / Double(stamps),
                rowsPerSymbol: Dictionary(uniqueKeysWithValues: perSymbol.map { ($0["symbol"], $0["n"]) }),
                schemaVersion: Self.schemaVersion, fileBytes: bytes)
        }
    }

    public func deleteSnapshots(olderThanDays days: Int, now: Date) throws -> Int {
        let cutoff = ISOTime.string(now.addingTimeInterval(-Double(days) * 86_400))
        return try pool.write { db in
            try db.execute(sql: "DELETE FROM option_snapshots WHERE timestamp < ?", arguments: [cutoff])
            return db.changesCount
        }
    }

    /// Streams option rows of a symbol between two days (inclusive), oldest first, to `body`.
    public func exportRows(symbol: String, from: TradingDay?, to: TradingDay?, _ body: (Row) throws -> Void) throws {
        try pool.read { db in
            var (sql, arguments) = Self.exportQuery("SELECT *", symbol: symbol, from: from, to: to)
            sql += " ORDER BY timestamp, expiry, strike, \"right\""
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() { try body(row) }
        }
    }

    /// How many rows `exportRows` would stream (for progress).
    public func exportRowCount(symbol: String, from: TradingDay?, to: TradingDay?) throws -> Int {
        try pool.read { db in
            let (sql, arguments) = Self.exportQuery("SELECT COUNT(*)", symbol: symbol, from: from, to: to)
            return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
        }
    }

    static func exportQuery(_ select: String, symbol: String, from: TradingDay?, to: TradingDay?) -> (
        String, StatementArguments
    ) {
        var sql = select + " FROM option_snapshots WHERE symbol = ?"
        var arguments: StatementArguments = [symbol]
        if let from { sql += " AND date >= ?"; arguments += [from.iso] }
        if let to { sql += " AND date <= ?"; arguments += [to.iso] }
        return (sql, arguments)
    }

    /// Export formats.
    public enum ExportFormat: Sendable { case csv, jsonl }

    static let exportColumns = [
        "timestamp", "symbol", "expiry", "strike", "right", "bid", "ask", "last", "volume", "open_interest", "iv",
        "delta", "gamma",
        "theta", "vega", "underlying_price", "yearmonth", "date", "source", "quality_flags",
    ]

    /// Streams a symbol's option rows as CSV (with a header) or JSON lines, one line per call.
    public func export(
        symbol: String, from: TradingDay?, to: TradingDay?, format: ExportFormat, _ line: (String) -> Void
    ) throws {
        if format == .csv { line(Self.exportColumns.joined(separator: ",")) }
        try exportRows(symbol: symbol, from: from, to: to) { row in
            let values: [(String, DatabaseValue)] = Self.exportColumns.map { ($0, row[$0] as DatabaseValue) }
            switch format {
            case .csv:
                line(values.map { Self.text($0.1, quoted: false) }.joined(separator: ","))
            case .jsonl:
                line("{" + values.map { "\"\($0.0)\": " + Self.text($0.1, quoted: true) }.joined(separator: ", ") + "}")
            }
        }
    }

    static func text(_ value: DatabaseValue, quoted: Bool) -> String {
        switch value.storage {
        case .null: return quoted ? "null" : ""
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return quoted ? "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : s
        case .blob: return quoted ? "null" : ""
        }
    }

    /// SQLite's own consistency check ("ok" when sound).
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    // MARK: Journal

    public func append(_ event: JournalEvent) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO events (time, kind, symbol, message, data) VALUES (?, ?, ?, ?, ?)",
                arguments: [ISOTime.string(event.time), event.kind.rawValue, event.symbol, event.message, event.data])
        }
    }

    public func recentEvents(limit: Int, kind: JournalKind? = nil) throws -> [JournalEvent] {
        try pool.read { db in
            let rows =
                kind == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id DESC LIMIT ?", arguments: [limit])
                : try Row.fetchAll(
                    db, sql: "SELECT * FROM events WHERE kind = ? ORDER BY id DESC LIMIT ?",
                    arguments: [kind?.rawValue, limit])
            return rows.map { row in
                JournalEvent(
                    id: row["id"], time: ISOTime.date(row["time"]) ?? .distantPast,
                    kind: JournalKind(rawValue: row["kind"]),
                    symbol: row["symbol"],
                    message: row["message"], data: row["data"])
            }
        }
    }
}

/// ISO-8601 UTC timestamps, second precision (`2026-03-04T15:30:00Z`).
public enum ISOTime {
    public static func string(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = Expiry(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
        let s = seconds - day.dayNumber * 86_400
        return day.iso + String(format: "T%02d:%02d:%02dZ", s / 3600, s / 60 % 60, s % 60)
    }

    public static func date(_ text: String?) -> Date? {
        guard let text, text.count == 20, let day = Expiry(String(text.prefix(10))) else { return nil }
        let time = text.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + time[0] * 3600 + time[1] * 60 + time[2]))
    }
}

/// JSON text columns.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func decode<T: Decodable>(_ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
