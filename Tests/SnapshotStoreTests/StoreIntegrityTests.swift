import Foundation
import GRDB
import OptionsModel
import TestSupport
import Testing

@testable import SnapshotStore

/// A damaged database file is never written to; `recover` copies what can still be read.
@Suite struct StoreIntegrityTests {
    let t0 = SimulatorHarness.wednesdayMorning

    /// A real store of `cycles` cycles (about 2.5 MB for 40), checkpointed into its main file.
    func filledStore(cycles: Int) throws -> (path: String, rows: Int) {
        let path = temporaryDatabase()
        let store = try SQLiteStore(path: path)
        for i in 0..<cycles {
            let t = t0.addingTimeInterval(Double(i) * 300)
            let id = try store.beginCycle(startedAt: t)
            for symbol in ["SPY", "QQQ"] {
                try store.recordSymbol(
                    cycleID: id, chain: chain(symbol, at: t, strikes: 560...640), underlying: underlying(symbol, at: t))
            }
            try store.finishCycle(
                id: id, finishedAt: t.addingTimeInterval(20), status: .ok, counts: [:], sources: [:], errors: [],
                notes: [])
        }
        let rows = try store.stats().optionRows
        try store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return (path, rows)
    }

    /// Overwrites `count` bytes in the middle of the file with seeded noise, as a failing disk might.
    func damage(_ path: String, count: Int = 16 * 1024) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        var generator = SplitMix(state: 22)
        try handle.write(contentsOf: Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.synchronize()
        try handle.close()
    }

    @Test func aDamagedFileIsRefusedForWritingAndLeftAsItWas() throws {
        let (path, _) = try filledStore(cycles: 40)
        try damage(path)
        let before = FileManager.default.contents(atPath: path)
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("a damaged database was opened for writing")
        } catch let error as StoreDamagedError {
            #expect(error.description.contains("is damaged"))
            #expect(error.description.contains("papertrader store recover --to"))
            #expect(error.description.contains("nothing was written"))
        }
        #expect(FileManager.default.contents(atPath: path) == before, "the refused open changed the file")
        // A sound store opens as before.
        let (sound, _) = try filledStore(cycles: 2)
        _ = try SQLiteStore(path: sound)
    }

    @Test func integrityCheckFindsTheDamage() throws {
        let (path, _) = try filledStore(cycles: 40)
        #expect(try SQLiteStore(path: path, readOnly: true).integrityProblems().isEmpty)
        try damage(path)
        #expect(!(try SQLiteStore(path: path, readOnly: true).integrityProblems().isEmpty))
    }

    @Test func recoverCopiesWhatIsReadableIntoASoundNewFile() throws {
        let (path, rows) = try filledStore(cycles: 40)
        try damage(path)
        let destination = temporaryDatabase()
        let report = try SQLiteStore.recover(from: path, to: destination)
        #expect(report.destinationProblems.isEmpty)
        let options = try #require(report.tables.first { $0.name == "option_snapshots" })
        // 16 KB of 7 MB lost: only the rows on the damaged pages are missing, and the table says so.
        #expect(options.rowsCopied > rows * 95 / 100 && options.rowsCopied < rows, "\(options.rowsCopied) of \(rows)")
        #expect(options.damaged)
        #expect(report.tables.first { $0.name == "collection_cycles" }?.rowsCopied == 40)
        // The new file is a working store: a writer opens it and the rows are there.
        let recovered = try SQLiteStore(path: destination)
        #expect(try recovered.stats().optionRows == options.rowsCopied)
        #expect(try recovered.cycles(limit: 100).count == 40)
        // Never over an existing file.
        #expect(throws: StoreError.self) { try SQLiteStore.recover(from: path, to: destination) }
    }

    @Test func recoverKeepsTheTradingJournalWhoseOrdersReferTheirPositions() throws {
        // `orders` sorts before `positions` and refers to it: a copy in name order with foreign keys on
        // failed on every store that had traded.
        let path = temporaryDatabase()
        let store = try SQLiteStore(path: path)
        let expiry = try #require(Expiry("20260417"))
        let leg = LegRecord(
            action: .sell, contract: OptionContract(symbol: "SPY", expiry: expiry, strike: 590, right: .put))
        let id = try store.insertPosition(
            PositionRecord(
                symbol: "SPY", structure: .bullPutSpread, status: .open, quantity: 1, expiry: expiry, legs: [leg]))
        let now = Date(timeIntervalSince1970: 1_772_638_200)
        try store.upsertOrder(
            OrderRecord(
                orderRef: "pt-\(id)-open-1", positionID: id, purpose: .open, status: .filled, limitPrice: -1,
                quantity: 1, legs: [leg], venue: .simulated, createdAt: now, updatedAt: now))
        let destination = temporaryDatabase()
        let report = try SQLiteStore.recover(from: path, to: destination)
        #expect(report.destinationProblems.isEmpty, "\(report.destinationProblems)")
        let recovered = try SQLiteStore(path: destination)
        #expect(try recovered.positions(status: nil) == (try store.positions(status: nil)))
        #expect(try recovered.orders(limit: 10) == (try store.orders(limit: 10)))
    }
}

/// A seeded generator, so the damage is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
