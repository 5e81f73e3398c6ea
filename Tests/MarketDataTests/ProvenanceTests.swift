import Foundation
import OptionsModel
import SnapshotStore
import TestSupport
import Testing

@testable import MarketData

/// A store that passes everything to SQLite, records the source bars were stored with, and can be
/// told to fail reading IV history (a locked or damaged database).
final class RecordingStore: MarketDataStore {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "database is locked" }
    }

    let base: SQLiteStore
    let barSources = Locked([DataSource]())
    let failIVHistory: Bool

    init(_ base: SQLiteStore, failIVHistory: Bool = false) {
        self.base = base
        self.failIVHistory = failIVHistory
    }

    func beginCycle(startedAt: Date) throws -> Int64 { try base.beginCycle(startedAt: startedAt) }
    func recordSymbol(cycleID: Int64, chain: ChainSnapshot, underlying: UnderlyingSnapshot) throws {
        try base.recordSymbol(cycleID: cycleID, chain: chain, underlying: underlying)
    }
    func finishCycle(
        id: Int64, finishedAt: Date, status: CycleStatus, counts: [String: Int], sources: [String: String],
        errors: [String], notes: [String]
    ) throws {
        try base.finishCycle(
            id: id, finishedAt: finishedAt, status: status, counts: counts, sources: sources, errors: errors,
            notes: notes)
    }
    func latestChain(symbol: String, expiryFrom: Expiry?, expiryTo: Expiry?, right: OptionRight?) throws
        -> ChainSnapshot?
    {
        try base.latestChain(symbol: symbol, expiryFrom: expiryFrom, expiryTo: expiryTo, right: right)
    }
    func ivHistory(symbol: String, days: Int, until: Date) throws -> IVHistory {
        if failIVHistory { throw Unreadable() }
        return try base.ivHistory(symbol: symbol, days: days, until: until)
    }
    func backfillDailyATMIV(symbol: String, points: [(day: TradingDay, atmIV: Double)], source: DataSource) throws
        -> Int
    {
        try base.backfillDailyATMIV(symbol: symbol, points: points, source: source)
    }
    func upsertBars(symbol: String, bars: [Bar], barSize: String, source: DataSource) throws {
        barSources.withLock { $0.append(source) }
        try base.upsertBars(symbol: symbol, bars: bars, barSize: barSize, source: source)
    }
    func bars(symbol: String, count: Int) throws -> [Bar] { try base.bars(symbol: symbol, count: count) }
    func cycles(limit: Int) throws -> [CollectionCycle] { try base.cycles(limit: limit) }
    func latestUnderlyings() throws -> [UnderlyingSnapshot] { try base.latestUnderlyings() }
    func stats() throws -> StoreStats { try base.stats() }
    func deleteSnapshots(olderThanDays days: Int, now: Date) throws -> Int {
        try base.deleteSnapshots(olderThanDays: days, now: now)
    }
}

/// Where data came from is stored as it was, and a store that cannot be read is never a silent 50.
@Suite(.serialized) struct ProvenanceTests {
    @Test func barsAreStoredWithTheProviderThatServedThem() async throws {
        let recorded = Locked<RecordingStore?>(nil)
        try await withFetcher(
            deadGateway: true,
            store: { base in
                let store = RecordingStore(base)
                recorded.withLock { $0 = store }
                return store
            }
        ) { fetcher, _, polygon in
            // The window the fetcher asks for at `now` (60 trading days back): the fake matches whole paths.
            let bars = (0..<80).map { i in
                #"{"o": 500, "h": 505, "l": 495, "c": \#(500 + i), "v": 1000, "t": \#(1_765_000_000_000 + Int64(i) * 86_400_000)}"#
            }
            polygon.route(
                "/v2/aggs/ticker/SPY/range/1/day/2025-11-27/2026-03-04",
                .json(#"{"status": "OK", "results": [\#(bars.joined(separator: ","))]}"#))
            _ = try await fetcher.underlyingTrend("SPY", price: 600, now: now)
            let store = try #require(recorded.withLock { $0 })
            #expect(store.barSources.withLock { $0 } == [.polygon])
        }
    }

    @Test func anUnreadableStoreMakesTheIVRankUnknownAndSaysWhy() async throws {
        try await withFetcher(deadGateway: true, store: { RecordingStore($0, failIVHistory: true) }) {
            fetcher, _, _ in
            let rank = await fetcher.ivRank("SPY", current: 0.2, now: now)
            #expect(!rank.known)
            #expect(rank.problem?.contains("history unreadable") == true, "\(rank.problem ?? "no problem reported")")
            #expect(rank.problem?.contains("database is locked") == true)
        }
    }
}
