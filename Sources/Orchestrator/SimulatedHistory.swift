import AppConfig
import Foundation
import GatewaySimulator
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import Synchronization
import Trading

/// Cycles straight from the simulated market into a store: the collector's own code (the same
/// requests, pictures, IV rank and storage) at every collection slot of a span of days, with no wire
/// and no pacing. `simulate-history` writes weeks of history in minutes with it; with a trader it
/// runs a configuration through simulated days on the `simulated` venue.
public struct SimulatedHistory: Sendable {
    /// What a run did.
    public struct Summary: Sendable, Codable, Equatable {
        public var cycles = 0
        public var optionRows = 0
        public var failedCycles = 0
        /// Positions the trader opened and closed (zero without a trader).
        public var opened = 0
        public var closed = 0
        public var first: Date?
        public var last: Date?
    }

    public let config: PaperTraderConfig
    public let seed: UInt64
    let logger: Logger

    /// A generator for `config`'s symbols, collection and strategy.
    public init(config: PaperTraderConfig, seed: UInt64 = 1, logger: Logger = Logger(label: "simulate-history")) {
        self.config = config
        self.seed = seed
        self.logger = logger
    }

    /// Collects every slot from `start` over `days` trading days into `store`; with `trader` (an
    /// engine and the journal it writes), trades each cycle through it at the slot's time as `run` does.
    public func run(
        store: any MarketDataStore, from start: Date, days: Int,
        trader: (engine: TradingEngine, journal: any TradingJournal)? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> Summary {
        let calendar = MarketCalendar()
        let market = SimulatedMarket(seed: seed, symbols: config.collection.symbols, reference: start)
        let clock = Mutex(start)
        let provider = SimulatedMarketProvider(
            market: market, delayed: config.gateway.marketDataType.isDelayed, clock: { clock.withLock { $0 } })
        let fetcher = OptionDataFetcher(
            primary: provider, fallback: nil, store: store, barCount: OrchestratorRuntime.barCount(config),
            logger: logger)
        let collector = DataCollector(
            fetcher: fetcher, store: store, settings: OrchestratorRuntime.collectorSettings(config),
            marketTime: { clock.withLock { $0 } }, logger: logger,
            heldContracts: { symbol in
                // Unreadable positions collect no extra legs; the engine reports the same failure.
                let held = (try? trader?.journal.positions(status: [.opening, .open, .closing])) ?? []
                return held.filter { $0.symbol == symbol }.flatMap { $0.legs.map(\.contract) }
            })
        var summary = Summary()
        var slots: [Date] = []
        var day = calendar.tradingDay(of: start)
        var slot = collector.isCollectionTime(start) ? start : collector.nextSlot(after: start)
        var tradingDays = 0
        while tradingDays < days {
            if calendar.tradingDay(of: slot) != day {
                day = calendar.tradingDay(of: slot)
                tradingDays += 1
                if tradingDays >= days { break }
            }
            slots.append(slot)
            slot = collector.nextSlot(after: slot)
        }
        for (i, slot) in slots.enumerated() {
            try Task.checkCancellation()
            clock.withLock { $0 = slot }
            let (report, pictures) = try await collector.collectCycle(at: slot)
            summary.cycles += 1
            summary.optionRows += report.symbols.reduce(0) { $0 + $1.contracts }
            if report.status == .failed { summary.failedCycles += 1 }
            summary.first = summary.first ?? slot
            summary.last = slot
            if let trader {
                let r = await trader.engine.onCycle(pictures: pictures, now: slot)
                summary.opened += r.opened.count
                summary.closed += r.closed.count
            }
            progress?(i + 1, slots.count)
        }
        return summary
    }
}

/// What `papertrader simulate-history` runs: collection only, into the configured store.
public enum SimulateHistoryRun {
    /// Whether `text` is a day (YYYY-MM-DD or YYYYMMDD).
    public static func isDay(_ text: String) -> Bool { Expiry(text) != nil }

    /// The session open `days` trading days before today, or of the given day.
    public static func start(from: String?, days: Int) -> Date {
        let calendar = MarketCalendar()
        if let from, let day = Expiry(from) { return calendar.date(day, minute: MarketCalendar.openMinute) }
        var day = calendar.tradingDay(of: Date())
        var n = 0
        while n < days {
            day = calendar.previousTradingDay(before: day)
            n += 1
        }
        return calendar.date(day, minute: MarketCalendar.openMinute)
    }

    /// Writes the cycles; `progress` gets (done, total) after each.
    public static func run(
        config: PaperTraderConfig, seed: UInt64, from start: Date, days: Int,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> SimulatedHistory.Summary {
        let store = try SQLiteStore(path: config.storage.path)
        // Per-cycle notices would drown the progress line: warnings and errors only.
        var logger = Logger(label: "simulate-history")
        logger.logLevel = .warning
        return try await SimulatedHistory(config: config, seed: seed, logger: logger).run(
            store: store, from: start, days: days, progress: progress)
    }
}
