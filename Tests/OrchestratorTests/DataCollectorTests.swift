import AppConfig
import Foundation
import GatewaySimulator
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import TestSupport
import Testing

@testable import Orchestrator

let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

func options(symbols: String = "[SPY, IWM]", speed: Double = 1) throws -> RuntimeOptions {
    let db = FileManager.default.temporaryDirectory.appendingPathComponent(
        "orch-\(UInt32.random(in: 0...UInt32.max)).sqlite"
    ).path
    let yaml = """
        collection:
          symbols: \(symbols)
          max_expiries: 1
          strike_range_pct: 0.01
          open_interest: off
        storage:
          path: \(db)
        """
    let loaded = try ConfigLoader.load(text: yaml, source: "test.yaml")
    return RuntimeOptions(
        loaded: loaded, simulator: true, simulatorStart: SimulatorHarness.wednesdayMorning, clockSpeed: speed)
}

@Suite(.serialized) struct DataCollectorTests {
    @Test func oneCycleStoresEverySymbol() async throws {
        try await OrchestratorRuntime.with(try options(), logger: quiet) { rt in
            let report = try await rt.collector.collectOnce()
            #expect(report.status == .ok)
            #expect(report.symbols.map(\.symbol) == ["IWM", "SPY"])
            #expect(
                report.symbols.allSatisfy {
                    $0.contracts > 0 && $0.source == "simulator" && $0.vix != nil && $0.atmIV != nil
                })
            // The cycle time is the gateway's (simulated) clock, not the machine's.
            #expect(abs(report.timestamp.timeIntervalSince(SimulatorHarness.wednesdayMorning)) < 60)
            let stats = try rt.store.stats()
            #expect(stats.optionRows == report.symbols.map(\.contracts).reduce(0, +))
            let cycle = try #require(try rt.store.cycles(limit: 1).first)
            #expect(
                cycle.status == .ok && cycle.counts["SPY"] == report.symbols.last?.contracts
                    && cycle.sources["IWM"] == "simulator")
            #expect(try rt.store.latestUnderlyings().map(\.symbol) == ["IWM", "SPY"])
            // Each underlying's next dividend, from IB's dividend tick (456): the simulator pays
            // quarterly, going ex on the third Friday of March; stored so a replay sees it too.
            let spy = try #require(try rt.store.latestUnderlyings().first { $0.symbol == "SPY" })
            let dividend = try #require(spy.nextDividend, "no dividend stored")
            #expect(dividend.exDate == Expiry("20260320") && dividend.amount > 0.5 && dividend.amount < 3)
            let replayed = try #require(
                try rt.store.storedCycle(at: report.timestamp, symbols: nil).first { $0.underlying.symbol == "SPY" })
            #expect(MarketPicture(stored: replayed.chain, underlying: replayed.underlying).nextDividend == dividend)
        }
    }

    @Test func aFailingSymbolMakesTheCyclePartial() async throws {
        try await OrchestratorRuntime.with(try options(), logger: quiet) { rt in
            let report = try await rt.collector.collectOnce(symbols: ["SPY", "NOPE"])
            #expect(report.status == .partial)
            #expect(report.symbols.first { $0.symbol == "NOPE" }?.error != nil)
            #expect(report.symbols.first { $0.symbol == "SPY" }?.contracts ?? 0 > 0)
            let cycle = try #require(try rt.store.cycles(limit: 1).first)
            #expect(cycle.status == .partial && cycle.errors.first?.hasPrefix("NOPE:") == true)
        }
    }

    @Test func runCollectsAlignedCycles() async throws {
        try await OrchestratorRuntime.with(try options(symbols: "[IWM]", speed: 300), logger: quiet) { rt in
            let reports = Locked([CycleReport]())
            try await rt.collector.run(cycles: 3, speed: rt.speed) { r, _ in reports.withLock { $0.append(r) } }
            let times = reports.withLock { $0.map(\.timestamp.timeIntervalSince1970) }
            #expect(times.count == 3)
            // After the first (immediate) cycle, slots fall on 5-minute boundaries.
            #expect(times.dropFirst().allSatisfy { Int($0) % 300 == 0 })
            #expect(try rt.store.cycles(limit: 10).count == 3)
        }
    }

    @Test func slotsFollowCollectionHours() throws {
        let settings = CollectorSettings(
            symbols: ["SPY"], intervalSeconds: 300, request: ChainRequest(symbol: "SPY"), openInterest: "off",
            hoursStart: 570, hoursEnd: 960,
            weekdaysOnly: true, skipHolidays: true, lines: 100, messagesPerSecond: 50)
        let store = try SQLiteStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent(
                "slots-\(UInt32.random(in: 0...UInt32.max)).sqlite"
            ).path)
        let collector = DataCollector(
            fetcher: OptionDataFetcher(primary: nil, fallback: nil, store: nil), store: store, settings: settings,
            marketTime: { Date() }, logger: quiet)
        let cal = MarketCalendar()
        func at(_ day: String, _ minute: Int, _ second: Int = 0) -> Date {
            cal.date(Expiry(day)!, minute: minute, second: second)
        }
        #expect(collector.nextSlot(after: at("20260304", 631, 10)) == at("20260304", 635))  // 10:31:10 -> 10:35
        #expect(collector.nextSlot(after: at("20260304", 958)) == at("20260305", 570))  // after the close -> next open
        #expect(collector.nextSlot(after: at("20260306", 960)) == at("20260309", 570))  // Friday close -> Monday
        #expect(collector.nextSlot(after: at("20260402", 960)) == at("20260406", 570))  // Good Friday skipped
        #expect(collector.isCollectionTime(at("20260304", 600)) && !collector.isCollectionTime(at("20260307", 600)))
    }

    /// Slots count from New York midnight: a two-hour interval gives 10:00, 12:00, 14:00 New York, not
    /// the odd hours an alignment to the Unix epoch gives in winter (UTC-5).
    @Test func slotsAlignToNewYorkNotTheEpoch() throws {
        let settings = CollectorSettings(
            symbols: ["SPY"], intervalSeconds: 7200, request: ChainRequest(symbol: "SPY"), openInterest: "off",
            hoursStart: 570, hoursEnd: 960, weekdaysOnly: true, skipHolidays: true, lines: 100, messagesPerSecond: 50)
        let store = try SQLiteStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("ny-\(UUID().uuidString).sqlite").path)
        let collector = DataCollector(
            fetcher: OptionDataFetcher(primary: nil, fallback: nil, store: nil), store: store, settings: settings,
            marketTime: { Date() }, logger: quiet)
        let cal = MarketCalendar()
        let day = Expiry("20260304")!
        var slot = collector.nextSlot(after: cal.date(day, minute: 9 * 60 + 30))
        var minutes: [Int] = []
        while cal.tradingDay(of: slot) == day {
            minutes.append(cal.minuteOfDay(slot))
            slot = collector.nextSlot(after: slot)
        }
        #expect(minutes == [600, 720, 840])
    }

    /// Open interest is a daily figure, but a strike that enters the range later in the day must get
    /// one too: every contract without today's value is asked once, the others are carried.
    @Test func openInterestForContractsThatEnterTheRangeLater() async throws {
        let cal = MarketCalendar()
        let day = Expiry("20260304")!
        let morning = cal.date(day, minute: 10 * 60)
        let market = SimulatedMarket(seed: 3, symbols: ["SPY"], reference: morning)
        let clock = Locked(morning)
        let provider = SimulatedMarketProvider(market: market, clock: { clock.withLock { $0 } })
        let store = try SQLiteStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("oi-\(UUID().uuidString).sqlite").path)
        let settings = CollectorSettings(
            symbols: ["SPY"], intervalSeconds: 300,
            request: ChainRequest(symbol: "SPY", dteMin: 20, dteMax: 40, maxExpiries: 1, strikeRangePct: 0.01),
            openInterest: "daily", hoursStart: 570, hoursEnd: 960, weekdaysOnly: true, skipHolidays: true,
            lines: 100, messagesPerSecond: 50)
        let collector = DataCollector(
            fetcher: OptionDataFetcher(primary: provider, fallback: nil, store: store, logger: quiet), store: store,
            settings: settings, marketTime: { clock.withLock { $0 } }, logger: quiet)
        let (_, first) = try await collector.collectCycle(at: morning)
        let firstKeys = Set(try #require(first.first).chain.options.map(\.contract.key))
        // Later the same day, from a price 3% higher: new strikes are in the 1% range.
        var later = morning
        var laterKeys = firstKeys
        for minutes in stride(from: 30, through: 360, by: 30) where laterKeys.subtracting(firstKeys).isEmpty {
            later = morning.addingTimeInterval(Double(minutes) * 60)
            clock.withLock { $0 = later }
            laterKeys = Set(try await provider.optionChain(settings.request, now: later).options.map(\.contract.key))
        }
        try #require(!laterKeys.subtracting(firstKeys).isEmpty, "the price never moved enough in the test's day")
        let (_, second) = try await collector.collectCycle(at: later)
        let rows = try #require(second.first).chain.options
        #expect(rows.allSatisfy { $0.quote.openInterest != nil })
        #expect(rows.contains { !firstKeys.contains($0.contract.key) })
    }
}
