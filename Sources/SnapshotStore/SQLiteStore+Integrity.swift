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
        let lines = try String.fetchAll(db, sql: "PRAGMA \(pragma)(\(limit))")
        return lines == ["ok"] ? [] : lines
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
        } catch where isCorruption(error) {
            throw StoreDamagedError(path: path, findings: ["\(error)"])
        }
        if !findings.isEmpty { throw StoreDamagedError(path: path, findings: findings) }
    }

    /// `PRAGMA integrity_check` of the whole file (slower than the quick check at open: it reads every
    /// index too). Empty when sound.
    public func integrityProblems() throws -> [String] {
        do {
            return try pool.read { db in try Self.check(db, full: true) }
        } catch where Self.isCorruption(error) {
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
        var report: [StoreRecoveryReport.Table] = []
        for table in tables {
            let (columns, key) = try fresh.pool.read { db in
                let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))")
                let columns: [String] = info.map { $0["name"] }
                let pk = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
                    .map { $0["name"] as String }
                return (columns, pk.isEmpty ? ["rowid"] : pk)
            }
            let outcome = try copy(table: table, columns: columns, key: key, from: old, into: fresh.pool)
            report.append(.init(name: table, rowsCopied: outcome.rows, damaged: outcome.damaged))
        }
        let problems = try fresh.integrityProblems()
        return StoreRecoveryReport(tables: report, destination: destination, destinationProblems: problems)
    }

    /// Copies `table`'s readable rows: forwards until the first error, then backwards until the first error.
    static func copy(
        table: String, columns: [String], key: [String], from old: DatabaseQueue, into new: DatabasePool
    ) throws -> (rows: Int, damaged: Bool) {
        let list = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let order = key.map(\.quotedDatabaseIdentifier)
        let insert =
            "INSERT OR IGNORE INTO \(table.quotedDatabaseIdentifier) (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        // Does the old file have this table at all (an older schema may not)?
        let present: Bool
        do {
            present = try old.read { db in try db.tableExists(table) }
        } catch where isCorruption(error) {
            return (0, true)
        }
        guard present else { return (0, false) }
        let oldColumns: Set<String>
        do {
            oldColumns = try old.read { db in Set(try db.columns(in: table).map(\.name)) }
        } catch where isCorruption(error) {
            return (0, true)
        }
        let select = columns.map { oldColumns.contains($0) ? $0.quotedDatabaseIdentifier : "NULL" }.joined(
            separator: ", ")
        var copied = 0
        var damaged = false
        for direction in ["ASC", "DESC"] {
            let sql =
                "SELECT \(select) FROM \(table.quotedDatabaseIdentifier) ORDER BY \(order.map { "\($0) \(direction)" }.joined(separator: ", "))"
            var batch: [[DatabaseValue]] = []
            func flush() throws {
                guard !batch.isEmpty else { return }
                let rows = batch
                batch.removeAll(keepingCapacity: true)
                copied += try new.write { db in
                    let statement = try db.makeStatement(sql: insert)
                    var n = 0
                    for values in rows {
                        try statement.execute(arguments: StatementArguments(values))
                        n += db.changesCount
                    }
                    return n
                }
            }
            do {
                try old.read { db in
                    let cursor = try Row.fetchCursor(db, sql: sql)
                    while let row = try cursor.next() {
                        batch.append(Array(row.databaseValues))
                        if batch.count == 1000 { try flush() }
                    }
                }
                try flush()
                // A full forward pass read everything: no need to come from the other end.
                if !damaged { break }
            } catch where isCorruption(error) {
                damaged = true
                try flush()
            }
        }
        return (copied, damaged)
    }
}
