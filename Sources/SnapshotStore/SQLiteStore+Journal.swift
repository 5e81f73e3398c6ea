import Foundation
import GRDB

/// Which journal events to read.
public struct JournalQuery: Sendable, Equatable {
    /// Only events at or after this time.
    public var since: Date?
    /// Only events of this underlying (case-insensitive).
    public var symbol: String?
    /// Only events of this kind (e.g. `no_trade`, `entry`, `error`).
    public var kind: String?
    /// At most this many, the most recent.
    public var limit: Int

    /// A query; every filter is optional.
    public init(since: Date? = nil, symbol: String? = nil, kind: String? = nil, limit: Int = 50) {
        self.since = since
        self.symbol = symbol
        self.kind = kind
        self.limit = limit
    }
}

/// Reading the decisions journal by filters (the `journal` command).
public protocol JournalReading: Sendable {
    /// The most recent `query.limit` events matching `query`, oldest first.
    func events(_ query: JournalQuery) throws -> [JournalEvent]
    /// Every kind of event in the journal, sorted.
    func eventKinds() throws -> [String]
}

extension SQLiteStore: JournalReading {
    public func events(_ query: JournalQuery) throws -> [JournalEvent] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let since = query.since {
            conditions.append("time >= ?")
            arguments.append(ISOTime.string(since))
        }
        if let symbol = query.symbol {
            conditions.append("upper(symbol) = ?")
            arguments.append(symbol.uppercased())
        }
        if let kind = query.kind {
            conditions.append("kind = ?")
            arguments.append(kind)
        }
        arguments.append(max(0, query.limit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM (SELECT * FROM events \(filter) ORDER BY id DESC LIMIT ?) ORDER BY id"
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                JournalEvent(
                    id: row["id"], time: ISOTime.date(row["time"]) ?? .distantPast,
                    kind: JournalKind(rawValue: row["kind"]),
                    symbol: row["symbol"], message: row["message"], data: row["data"])
            }
        }
    }

    public func eventKinds() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM events ORDER BY kind") }
    }
}
