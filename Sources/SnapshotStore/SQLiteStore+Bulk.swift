import Foundation
import GRDB
import OptionsModel

/// Bulk writes for tools that build large synthetic stores (benchmarks): one transaction for many
/// cycles, underlying rows and journal events, where the live path writes one cycle at a time.
extension SQLiteStore {
    /// Inserts finished cycles (their ids as given), underlying snapshots (with their cycle id) and
    /// journal events in one transaction.
    package func bulkLoad(
        cycles: [CollectionCycle], underlyings: [(cycleID: Int64, snapshot: UnderlyingSnapshot)],
        events: [JournalEvent]
    ) throws {
        try pool.write { db in
            // Cached statements: compiled once for the whole load, not once per row.
            let cycle = try db.cachedStatement(
                sql: """
                    INSERT INTO collection_cycles (id, started_at, finished_at, status, counts, sources, errors, notes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let underlying = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO underlying_snapshots (timestamp, symbol, price, vix, trend, iv_rank, atm_iv,
                        source, cycle_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let event = try db.cachedStatement(
                sql: "INSERT INTO events (time, kind, symbol, message, data) VALUES (?, ?, ?, ?, ?)")
            for c in cycles {
                try cycle.execute(
                    arguments: [
                        c.id, ISOTime.string(c.startedAt), c.finishedAt.map(ISOTime.string), c.status.rawValue,
                        JSONText.encode(c.counts), JSONText.encode(c.sources), JSONText.encode(c.errors),
                        JSONText.encode(c.notes),
                    ])
            }
            for (cycleID, u) in underlyings {
                try underlying.execute(
                    arguments: [
                        ISOTime.string(u.timestamp), u.symbol, u.price, u.vix, u.trend?.rawValue, u.ivRank, u.atmIV,
                        u.source.rawValue, cycleID,
                    ])
            }
            for e in events {
                try event.execute(
                    arguments: [ISOTime.string(e.time), e.kind.rawValue, e.symbol, e.message, e.data])
            }
        }
    }
}

extension CollectionCycle {
    /// A finished cycle as a tool writes it (the memberwise initializer is internal to this module).
    package static func finished(
        id: Int64, startedAt: Date, finishedAt: Date, status: CycleStatus, counts: [String: Int],
        sources: [String: String], errors: [String]
    ) -> CollectionCycle {
        CollectionCycle(
            id: id, startedAt: startedAt, finishedAt: finishedAt, status: status, counts: counts, sources: sources,
            errors: errors, notes: [])
    }
}
