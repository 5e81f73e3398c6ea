import Foundation
import GRDB
import TestSupport
import Testing

@testable import SnapshotStore

/// A writer process killed with SIGKILL mid-cycle leaves a consistent database.
@Suite struct CrashSafetyTests {
    @Test func sigkillMidWriteLeavesWholeSymbolsOnly() async throws {
        let binary = Fixtures.repo(".build/debug/papertrader").path
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "build the executable first: swift build (scripts/test.sh does)")
        let path = temporaryDatabase()
        _ = try SQLiteStore(path: path)  // create the schema before the writer starts
        for _ in 0..<3 {
            let before = try await DatabaseQueue(path: path).read { db in
                try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM collection_cycles") ?? 0
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["store", "crash-writer", "--db", path, "--contracts", "4000"]
            try process.run()
            // Poll the database (observing state, not ordering events) until a cycle is mid-write.
            let probe = try DatabaseQueue(path: path)
            var midWrite = false
            for _ in 0..<2000 where !midWrite {
                try await Task.sleep(for: .milliseconds(2))
                // A cycle of this writer (newer than any before it) is running and has written rows.
                midWrite = try await probe.read { db in
                    let running = try Int64.fetchOne(
                        db, sql: "SELECT MAX(id) FROM collection_cycles WHERE status = 'running' AND id > ?",
                        arguments: [before])
                    guard let running else { return false }
                    return try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM option_snapshots WHERE cycle_id = ?", arguments: [running]) ?? 0
                        > 0
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(midWrite)
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.integrityCheck() == "ok")
        let groups = try store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT cycle_id, symbol, COUNT(*) AS n FROM option_snapshots GROUP BY cycle_id, symbol")
        }
        #expect(!groups.isEmpty)
        for g in groups {
            #expect(
                (g["n"] as Int) == 4000, "cycle \(g["cycle_id"] as Int64) \(g["symbol"] as String) has a partial chain")
        }
        let cycles = try store.cycles(limit: 100)
        #expect(cycles.filter { $0.status == .running }.isEmpty)
        #expect(cycles.filter { $0.status == .failed }.count == 3)
    }
}
