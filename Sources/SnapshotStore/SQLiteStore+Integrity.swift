import Foundation
import GRDB
import GRDBSQLite

/// The store file is damaged: SQLite's own check found problems. Nothing was written.
public struct StoreDamagedError: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public let path: String
    /// SQLite's findings (the first few lines of `PRAGMA quick_check` / `integrity_check`, or the error).
    public let findings: [String]

    /// A damaged store at `path` with SQLite's `findings`.
    public init(path: String, findings: [String]) {
        self.path = path
        self.findings = findings
    }

    /// What happened and what to do.
    public var description: String { "\(findingsSummary); nothing was written to it. \(Self.advice)" }

    /// The file and the first few of SQLite's findings.
    public var findingsSummary: String {
        let shown = findings.prefix(3).joined(separator: "; ")
        let more = findings.count > 3 ? " (and \(findings.count - 3) more)" : ""
        return "the database \(path) is damaged (\(shown)\(more))"
    }

    /// What to do about a damaged store.
    public static let advice =
        "Restore it from a backup, or copy what is readable into a new file with `papertrader store recover --to NEW.sqlite` and point storage.path at the new file"
}

extension SQLiteStore {
    /// Whether an SQLite error says the file is not a sound database.
    package static func isCorruption(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// `PRAGMA quick_check` (or `integrity_check` when `full`): an empty list when the database is sound.
    static func check(_ db: Database, full: Bool, limit: Int = 20) throws -> [String] {
        let pragma = full ? "integrity_check" : "quick_check"
        let rows = try String.fetchAll(db, sql: "PRAGMA \(pragma)(\(limit))")
        guard rows != ["ok"] else { return [] }
        // One finding per line, without SQLite's "*** in database main ***" headers.
        return rows.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("***") }
    }

    /// Runs `PRAGMA quick_check` on a read-only connection to an existing file; throws
    /// `StoreDamagedError` when it finds anything, including when the damage is so bad that the check
    /// itself fails. A missing or empty file (a new store) passes.
    static func refuseIfDamaged(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0 else { return }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let findings: [String]
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            findings = try queue.read { db in try check(db, full: false) }
            try queue.close()
        } catch  where isCorruption(error) {
            throw StoreDamagedError(path: path, findings: ["\(error)"])
        }
        if !findings.isEmpty { throw StoreDamagedError(path: path, findings: findings) }
    }

    /// `PRAGMA integrity_check` of the whole file (slower than the quick check at open: it reads every
    /// index too). Empty when sound.
    public func integrityProblems() throws -> [String] {
        do {
            return try pool.read { db in try Self.check(db, full: true) }
        } catch  where Self.isCorruption(error) {
            return ["\(error)"]
        }
    }
}

// MARK: Recovery

/// How much `SQLiteStore.recover` could copy, table by table.
public struct StoreRecoveryReport: Sendable, Equatable, Codable {
    /// One table's outcome.
    public struct Table: Sendable, Equatable, Codable {
        /// The table.
        public var name: String
        /// Rows copied into the new file.
        public var rowsCopied: Int
        /// Whether a read of this table hit damage (some rows may be missing).
        public var damaged: Bool
    }
    /// Every table of the schema.
    public var tables: [Table]
    /// The new database.
    public var destination: String
    /// SQLite's findings on the new file (empty: sound).
    public var destinationProblems: [String]
}

extension SQLiteStore {
    /// Copies every row that can still be read from the (possibly damaged) database at `source` into a new
    /// database at `destination` with the current schema. Each table is read forwards in key order up to
    /// the first damage and then backwards from its end, so one damaged region costs only the rows in it.
    /// Never writes to `source`; refuses an existing `destination`.
    public static func recover(from source: String, to destination: String) throws -> StoreRecoveryReport {
        guard FileManager.default.fileExists(atPath: source) else { throw StoreError("no database at \(source)") }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: destination + suffix) {
            throw StoreError("\(destination + suffix) already exists: recover into a new file")
        }
        var config = Configuration()
        config.readonly = true
        let old: DatabaseQueue
        do {
            old = try DatabaseQueue(path: source, configuration: config)
        } catch {
            throw StoreError("cannot open \(source) even for reading: \(error); restore it from a backup")
        }
        let fresh = try SQLiteStore(path: destination)
        let tables = try fresh.pool.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name"
            )
        }
        // Rows are copied table by table with foreign keys off: a child table may come before its
        // parent, and a damaged file may have lost a parent row whose children are still worth keeping.
        // What no longer matches is reported below, not silently dropped.
        var copyConfig = Configuration()
        copyConfig.foreignKeysEnabled = false
        let writer = try DatabaseQueue(path: destination, configuration: copyConfig)
        var report: [StoreRecoveryReport.Table] = []
        for table in tables {
            let (columns, key) = try fresh.pool.read { db in
                let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))")
                let columns: [String] = info.map { $0["name"] }
                let pk = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
                    .map { $0["name"] as String }
                return (columns, pk.isEmpty ? ["rowid"] : pk)
            }
            let outcome = try copy(table: table, columns: columns, key: key, from: old, into: writer)
            report.append(.init(name: table, rowsCopied: outcome.rows, damaged: outcome.damaged))
        }
        try writer.close()
        var problems = try fresh.integrityProblems()
        problems += try fresh.pool.read { db in
            try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                let table: String = row["table"] ?? "?"
                let parent: String = row["parent"] ?? "?"
                let rowid: Int64 = row["rowid"] ?? 0
                return "\(table) row \(rowid) refers to a \(parent) row that was not recovered"
            }
        }
        return StoreRecoveryReport(tables: report, destination: destination, destinationProblems: problems)
    }

    /// Copies `table`'s readable rows: forwards in key order until the first damage, backwards from
    /// the end until the first damage, then (for what lies between) by key seeks that avoid the damaged
    /// pages: id ranges, bisected down to single rows, or one cycle timestamp at a time.
    static func copy(
        table: String, columns: [String], key: [String], from old: DatabaseQueue, into new: any DatabaseWriter
    ) throws -> (rows: Int, damaged: Bool) {
        let list = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let insert =
            "INSERT OR IGNORE INTO \(table.quotedDatabaseIdentifier) (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        // Does the old file have this table at all (an older schema may not)?
        let oldColumns: Set<String>
        do {
            guard try old.read({ db in try db.tableExists(table) }) else { return (0, false) }
            oldColumns = try old.read { db in Set(try db.columns(in: table).map(\.name)) }
        } catch  where isCorruption(error) {
            return (0, true)
        }
        let select = columns.map { oldColumns.contains($0) ? $0.quotedDatabaseIdentifier : "NULL" }.joined(
            separator: ", ")
        let from = "SELECT \(select) FROM \(table.quotedDatabaseIdentifier)"
        var copier = RowCopier(insert: insert, into: new)
        let order = key.map(\.quotedDatabaseIdentifier)
        var damaged = false
        for direction in ["ASC", "DESC"] {
            let ok = try copier.copy(
                from: old, sql: "\(from) ORDER BY \(order.map { "\($0) \(direction)" }.joined(separator: ", "))")
            if ok && !damaged { return (copier.copied, false) }  // read whole: nothing was damaged
            damaged = damaged || !ok
        }
        // Between the damage points: seek by key so that only the damaged pages' rows are lost.
        if key == ["id"] || key == ["rowid"] {
            let k = key[0].quotedDatabaseIdentifier
            let bounds = try new.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT MIN(\(k)) AS lo, MAX(\(k)) AS hi FROM \(table.quotedDatabaseIdentifier)")
            }
            if let lo: Int64 = bounds?["lo"], let hi: Int64 = bounds?["hi"], hi > lo {
                try copier.copyRange(from: old, select: from, key: k, lo + 1, hi - 1)
            }
        } else if key.first == "timestamp" {
            // Cycle timestamps, from whichever copy of them is readable.
            var stamps = Set<String>()
            for (db, sql) in [
                (old as any DatabaseReader, "SELECT DISTINCT timestamp FROM underlying_snapshots"),
                (new as any DatabaseReader, "SELECT DISTINCT timestamp FROM underlying_snapshots"),
            ] {
                do {
                    stamps.formUnion(try db.read { db in try String.fetchAll(db, sql: sql) })
                } catch  where isCorruption(error) {
                    // This copy is damaged too: the other may do.
                }
            }
            for stamp in stamps.sorted() {
                _ = try copier.copy(from: old, sql: "\(from) WHERE timestamp = ?", arguments: [stamp])
            }
        }
        return (copier.copied, damaged)
    }
}

/// Copies rows read from a damaged database into a new one, in batches, counting what was inserted.
struct RowCopier {
    let insert: String
    let into: any DatabaseWriter
    var copied = 0
    var batch: [[DatabaseValue]] = []

    /// Copies every row `sql` yields until the end (true) or until damage stops the read (false).
    mutating func copy(from old: DatabaseQueue, sql: String, arguments: StatementArguments = []) throws -> Bool {
        do {
            try old.read { db in
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try cursor.next() {
                    batch.append(Array(row.databaseValues))
                    if batch.count == 1000 { try flush() }
                }
            }
            try flush()
            return true
        } catch  where SQLiteStore.isCorruption(error) {
            try flush()
            return false
        }
    }

    /// Copies rows with `key` in `lo...hi`, halving any range whose read hits damage, down to single rows.
    mutating func copyRange(from old: DatabaseQueue, select: String, key: String, _ lo: Int64, _ hi: Int64) throws {
        guard lo <= hi else { return }
        let sql = "\(select) WHERE \(key) BETWEEN ? AND ? ORDER BY \(key)"
        // Wide ranges go in blocks so that one damaged block does not cost the others.
        if hi - lo >= 256 {
            var start = lo
            while start <= hi {
                let end = min(hi, start + 255)
                try copyRange(from: old, select: select, key: key, start, end)
                start = end + 1
            }
            return
        }
        if try copy(from: old, sql: sql, arguments: [lo, hi]) { return }
        guard lo < hi else { return }  // a single unreadable row
        // Try the halves (INSERT OR IGNORE skips what the failed read already copied).
        let mid = lo + (hi - lo) / 2
        try copyRange(from: old, select: select, key: key, lo, mid)
        try copyRange(from: old, select: select, key: key, mid + 1, hi)
    }

    mutating func flush() throws {
        guard !batch.isEmpty else { return }
        let rows = batch
        batch.removeAll(keepingCapacity: true)
        let insert = self.insert
        copied += try into.write { db in
            let statement = try db.makeStatement(sql: insert)
            var n = 0
            for values in rows {
                try statement.execute(arguments: StatementArguments(values))
                n += db.changesCount
            }
            return n
        }
    }
}
