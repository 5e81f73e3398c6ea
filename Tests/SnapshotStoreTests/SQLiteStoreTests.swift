import Foundation
import GRDB
import OptionsModel
import TestSupport
import Testing

@testable import SnapshotStore

func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UInt64.random(in: 0...UInt64.max)).sqlite")
        .path
}

func chain(
    _ symbol: String, at time: Date, strikes: ClosedRange<Int> = 590...610,
    expiries: [String] = ["20260417", "20260515"], bid: Double = 1.0
) -> ChainSnapshot {
    var options: [OptionQuote] = []
    for e in expiries {
        for k in strikes {
            for right in OptionRight.allCases {
                options.append(
                    OptionQuote(
                        contract: OptionContract(symbol: symbol, expiry: Expiry(e)!, strike: Double(k), right: right),
                        quote: Quote(bid: bid, ask: bid + 0.1, last: nil, volume: 10, openInterest: 100),
                        greeks: Greeks(
                            impliedVolatility: 0.2, delta: right == .call ? 0.5 : -0.5, gamma: 0.01, theta: -0.1,
                            vega: 0.3),
                        underlyingPrice: 600, source: .simulator))
            }
        }
    }
    return ChainSnapshot(symbol: symbol, timestamp: time, underlyingPrice: 600, options: options, source: .simulator)
}

func underlying(_ symbol: String, at time: Date, atmIV: Double? = 0.2) -> UnderlyingSnapshot {
    UnderlyingSnapshot(
        symbol: symbol, timestamp: time, price: 600, vix: 16, trend: .uptrend, ivRank: 40, atmIV: atmIV,
        source: .simulator)
}

@Suite struct SQLiteStoreTests {
    let t0 = SimulatorHarness.wednesdayMorning

    @Test func aChainOfMixedSourcesKeepsEachRowsSourceAndReadsBackAsMostOfThem() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        var mixed = chain("SPY", at: t0)
        // A few rows from IB, most from Polygon: neither may read back as the other.
        for i in mixed.options.indices { mixed.options[i].source = i < 10 ? .ib : .polygon }
        mixed.source = .polygon
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: t0), chain: mixed, underlying: underlying("SPY", at: t0))
        let back = try #require(try store.latestChain(symbol: "SPY"))
        #expect(back.source == .polygon)
        #expect(back.options.filter { $0.source == .ib }.count == 10)
        #expect(back.options.filter { $0.source == .polygon }.count == mixed.options.count - 10)
    }

    @Test func writesAndReadsTheLatestChain() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let cycle = try store.beginCycle(startedAt: t0)
        try store.recordSymbol(cycleID: cycle, chain: chain("SPY", at: t0), underlying: underlying("SPY", at: t0))
        try store.finishCycle(
            id: cycle, finishedAt: t0.addingTimeInterval(30), status: .ok, counts: ["SPY": 84],
            sources: ["SPY": "simulator"], errors: [], notes: [])
        let later = t0.addingTimeInterval(300)
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: later), chain: chain("SPY", at: later, bid: 2),
            underlying: underlying("SPY", at: later))
        let latest = try #require(try store.latestChain(symbol: "SPY"))
        #expect(latest.timestamp == later && latest.options.count == 84)
        #expect(latest.options.allSatisfy { $0.quote.bid == 2 && $0.quote.last == nil })
        let puts = try #require(try store.latestChain(symbol: "SPY", expiryFrom: Expiry("20260501"), right: .put))
        #expect(
            puts.options.count == 21
                && puts.options.allSatisfy { $0.contract.right == .put && $0.contract.expiry == Expiry("20260515")! })
        #expect(try store.latestChain(symbol: "QQQ") == nil)
        let cycles = try store.cycles(limit: 10)
        #expect(cycles.count == 2 && cycles.last?.status == .ok && cycles.last?.counts == ["SPY": 84])
    }

    @Test func rerunningACycleReplacesInsteadOfDuplicating() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let cycle = try store.beginCycle(startedAt: t0)
        try store.recordSymbol(
            cycleID: cycle, chain: chain("SPY", at: t0, bid: 1), underlying: underlying("SPY", at: t0))
        try store.recordSymbol(
            cycleID: cycle, chain: chain("SPY", at: t0, bid: 3), underlying: underlying("SPY", at: t0))
        #expect(try store.stats().optionRows == 84)
        #expect(try store.latestChain(symbol: "SPY")?.options.first?.quote.bid == 3)
    }

    @Test func absentValuesStayNull() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        var c = chain("IWM", at: t0, strikes: 200...200, expiries: ["20260417"])
        c.options[0].greeks = Greeks()
        c.options[0].quote = Quote(bid: nil, ask: 0.5)
        c.options[0].flags = QualityFlags.derived(quote: c.options[0].quote, greeks: c.options[0].greeks)
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: t0), chain: c, underlying: underlying("IWM", at: t0))
        let back = try #require(try store.latestChain(symbol: "IWM")?.options.first { $0.contract.right == .call })
        #expect(back.greeks.delta == nil && back.quote.bid == nil)
        #expect(back.flags.contains(.greeksMissing) && back.flags.contains(.oneSided))
    }

    @Test func ivHistoryKeepsOneValuePerDay() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let calendar = MarketCalendar()
        var day = calendar.tradingDay(of: t0)
        for i in 0..<40 {
            let time = calendar.date(day, minute: 11 * 60)
            let cycle = try store.beginCycle(startedAt: time)
            try store.recordSymbol(
                cycleID: cycle, chain: chain("SPY", at: time, strikes: 600...600),
                underlying: underlying("SPY", at: time, atmIV: 0.10 + Double(i) * 0.01))
            // A second cycle the same day: the day's value is the latest.
            let later = time.addingTimeInterval(300)
            try store.recordSymbol(
                cycleID: cycle, chain: chain("SPY", at: later, strikes: 600...600),
                underlying: underlying("SPY", at: later, atmIV: 0.10 + Double(i) * 0.01 + 0.001))
            day = calendar.previousTradingDay(before: day)
        }
        let history = try store.ivHistory(symbol: "SPY", days: 30, until: t0)
        #expect(history.points.count == 30)
        #expect(zip(history.points, history.points.dropFirst()).allSatisfy { $0.day < $1.day })
        // The latest day (i = 0) carries its later value; 30 days back is i = 29.
        #expect(abs((history.points.last?.atmIV ?? 0) - 0.101) < 1e-12)
        #expect(abs((history.min ?? 0) - 0.101) < 1e-12)
        #expect(abs((history.max ?? 0) - (0.10 + 29 * 0.01 + 0.001)) < 1e-12)
    }

    @Test func retentionKeepsIVHistory() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let old = t0.addingTimeInterval(-40 * 86_400)
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: old), chain: chain("SPY", at: old),
            underlying: underlying("SPY", at: old))
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: t0), chain: chain("SPY", at: t0),
            underlying: underlying("SPY", at: t0))
        #expect(try store.deleteSnapshots(olderThanDays: 30, now: t0) == 84)
        #expect(try store.stats().optionRows == 84)
        #expect(try store.ivHistory(symbol: "SPY", days: 100, until: t0).points.count == 2)
    }

    @Test func barsAndStatsAndJournal() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let bars = (0..<5).map { i in
            Bar(day: Expiry("20260302")!.adding(days: i), open: 1, high: 2, low: 0.5, close: Double(i), volume: 100)
        }
        try store.upsertBars(symbol: "SPY", bars: bars, barSize: "1 day", source: .simulator)
        try store.upsertBars(symbol: "SPY", bars: bars, barSize: "1 day", source: .simulator)
        #expect(try store.bars(symbol: "SPY", count: 3).map(\.close) == [2, 3, 4])
        try store.recordSymbol(
            cycleID: try store.beginCycle(startedAt: t0), chain: chain("QQQ", at: t0),
            underlying: underlying("QQQ", at: t0))
        let stats = try store.stats()
        #expect(
            stats.symbols == ["QQQ"] && stats.rowsPerSymbol == ["QQQ": 84] && stats.averageRowsPerCycle == 84
                && stats.schemaVersion == SQLiteStore.schemaVersion)
        try store.append(JournalEvent(time: t0, kind: .noTrade, symbol: "SPY", message: "no trade: IV rank 12 < 30"))
        #expect(try store.recentEvents(limit: 5).first?.message == "no trade: IV rank 12 < 30")
        #expect(try store.latestUnderlyings().map(\.symbol) == ["QQQ"])
        let latest = try store.latestCyclePerSymbol()
        #expect(latest.keys.sorted() == ["QQQ"] && latest["QQQ"]?.timestamp == t0)
    }

    @Test func unfinishedCyclesAreMarkedFailedOnOpen() throws {
        let path = temporaryDatabase()
        do {
            let store = try SQLiteStore(path: path)
            _ = try store.beginCycle(startedAt: t0)
        }
        let reopened = try SQLiteStore(path: path)
        let cycle = try #require(try reopened.cycles(limit: 1).first)
        #expect(cycle.status == .failed && cycle.errors.first?.contains("interrupted") == true)
    }

    @Test func aNewerSchemaIsRefused() throws {
        let path = temporaryDatabase()
        _ = try SQLiteStore(path: path)
        try SQLiteStore(path: path).pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("a newer database was opened")
        } catch let error as StoreError {
            #expect(error.message.contains("newer papertrader") && error.message.contains("v99"))
        }
    }

    @Test func readersDoNotBlockTheWriter() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        let t0 = self.t0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<30 {
                    let time = t0.addingTimeInterval(Double(i) * 300)
                    try store.recordSymbol(
                        cycleID: try store.beginCycle(startedAt: time),
                        chain: chain("SPY", at: time, strikes: 550...650), underlying: underlying("SPY", at: time))
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<60 {
                        _ = try store.latestChain(symbol: "SPY")
                        _ = try store.stats()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.stats().optionRows == 30 * 101 * 4)
    }

    @Test func timestampsAreISOUTC() {
        #expect(ISOTime.string(Date(timeIntervalSince1970: 1_772_638_200)) == "2026-03-04T15:30:00Z")
        #expect(ISOTime.date("2026-03-04T15:30:00Z") == Date(timeIntervalSince1970: 1_772_638_200))
        #expect(ISOTime.date("garbage") == nil)
    }
}
