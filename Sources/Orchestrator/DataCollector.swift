import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import Synchronization

/// What one symbol's collection produced.
public struct SymbolCollection: Sendable, Codable, Equatable {
    public var symbol: String
    public var contracts: Int
    public var ivRank: Double?
    public var atmIV: Double?
    public var vix: Double?
    public var trend: String?
    public var source: String?
    public var seconds: Double
    public var error: String?
    public var notes: [String]
}

/// One cycle's outcome.
public struct CycleReport: Sendable, Codable, Equatable {
    public var cycleID: Int64
    public var timestamp: Date
    public var status: CycleStatus
    public var symbols: [SymbolCollection]
    public var seconds: Double
}

/// How the collector collects (from the configuration).
public struct CollectorSettings: Sendable {
    public var symbols: [String]
    public var intervalSeconds: Int
    public var request: ChainRequest
    /// every_cycle | daily | off.
    public var openInterest: String
    public var hoursStart: Int
    public var hoursEnd: Int
    public var weekdaysOnly: Bool
    public var skipHolidays: Bool
    public var lines: Int
    public var messagesPerSecond: Int

    public init(
        symbols: [String], intervalSeconds: Int, request: ChainRequest, openInterest: String, hoursStart: Int,
        hoursEnd: Int,
        weekdaysOnly: Bool, skipHolidays: Bool, lines: Int, messagesPerSecond: Int
    ) {
        self.symbols = symbols
        self.intervalSeconds = intervalSeconds
        self.request = request
        self.openInterest = openInterest
        self.hoursStart = hoursStart
        self.hoursEnd = hoursEnd
        self.weekdaysOnly = weekdaysOnly
        self.skipHolidays = skipHolidays
        self.lines = lines
        self.messagesPerSecond = messagesPerSecond
    }
}

/// Collects every symbol once per interval, aligned to the interval, during collection hours, and
/// records each cycle. A failing symbol makes the cycle partial; an overrun skips the next slot.
public final class DataCollector: Sendable {
    public let fetcher: OptionDataFetcher
    public let store: any MarketDataStore
    public let settings: CollectorSettings
    /// Market time: the gateway's clock (or the system clock without a gateway).
    let marketTime: @Sendable () async -> Date
    let logger: Logger
    let calendar = MarketCalendar()
    /// Open interest is a once-a-day figure: sampled by the day's first cycle and carried to the
    /// day's later cycles, so every stored row and every entry decision sees it.
    let openInterest = Mutex([String: (day: TradingDay, values: [OptionKey: Double])]())
    /// Legs of a symbol's open positions (collected beyond the DTE window and strike range).
    let heldContracts: @Sendable (String) -> [OptionContract]

    public init(
        fetcher: OptionDataFetcher, store: any MarketDataStore, settings: CollectorSettings,
        marketTime: @escaping @Sendable () async -> Date, logger: Logger,
        heldContracts: @escaping @Sendable (String) -> [OptionContract] = { _ in [] }
    ) {
        self.heldContracts = heldContracts
        self.fetcher = fetcher
        self.store = store
        self.settings = settings
        self.marketTime = marketTime
        self.logger = logger
    }

    /// One cycle over `symbols` (default: all configured), in parallel within the client's limits.
    public func collectOnce(symbols: [String]? = nil, at slot: Date? = nil) async throws -> CycleReport {
        try await collectCycle(symbols: symbols, at: slot).report
    }

    /// One cycle, with the market pictures it stored (what the trader decides on).
    public func collectCycle(symbols: [String]? = nil, at slot: Date? = nil) async throws -> (
        report: CycleReport, pictures: [MarketPicture]
    ) {
        // A scheduled cycle is stamped with its slot, so re-running it overwrites instead of duplicating.
        let now: Date
        if let slot { now = slot } else { now = await marketTime() }
        let started = ContinuousClock.now
        // Decided before this cycle is recorded, so it does not count itself.
        let collectedToday = (try? hasCollectedToday(now)) ?? false
        let cycleID = try store.beginCycle(startedAt: now)
        let includeOI = settings.openInterest == "every_cycle" || (settings.openInterest == "daily" && !collectedToday)
        logger.info("cycle started", metadata: ["cycle.id": "\(cycleID)", "cycle.time": "\(ISOTime.string(now))"])
        let collected = await withTaskGroup(of: (SymbolCollection, MarketPicture?).self) { group in
            for symbol in symbols ?? settings.symbols {
                group.addTask { await self.collect(symbol, cycleID: cycleID, now: now, includeOpenInterest: includeOI) }
            }
            var out: [(SymbolCollection, MarketPicture?)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0.symbol < $1.0.symbol }
        }
        let results = collected.map(\.0)
        let failures = results.filter { $0.error != nil }.count
        let status: CycleStatus = failures == 0 ? .ok : failures == results.count ? .failed : .partial
        try store.finishCycle(
            id: cycleID, finishedAt: now.addingTimeInterval(seconds(ContinuousClock.now - started)), status: status,
            counts: Dictionary(uniqueKeysWithValues: results.map { ($0.symbol, $0.contracts) }),
            sources: Dictionary(uniqueKeysWithValues: results.compactMap { r in r.source.map { (r.symbol, $0) } }),
            errors: results.compactMap { r in r.error.map { "\(r.symbol): \($0)" } }, notes: results.flatMap(\.notes))
        let report = CycleReport(
            cycleID: cycleID, timestamp: now, status: status, symbols: results,
            seconds: seconds(ContinuousClock.now - started))
        logger.info(
            "cycle finished",
            metadata: [
                "cycle.id": "\(cycleID)", "cycle.status": "\(status.rawValue)",
                "cycle.seconds": "\(String(format: "%.1f", report.seconds))",
            ])
        ServiceMetrics.recordCycle(report)
        return (report, collected.compactMap(\.1))
    }

    func hasCollectedToday(_ now: Date) throws -> Bool {
        let today = calendar.tradingDay(of: now)
        return try store.cycles(limit: 200).contains {
            $0.status != .failed && calendar.tradingDay(of: $0.startedAt) == today
        }
    }

    func collect(_ symbol: String, cycleID: Int64, now: Date, includeOpenInterest: Bool) async -> (
        SymbolCollection, MarketPicture?
    ) {
        let started = ContinuousClock.now
        var request = settings.request
        request.symbol = symbol
        request.heldContracts = heldContracts(symbol)
        // A daily sample is also taken when this process has none for today (e.g. after a restart).
        let day = calendar.tradingDay(of: now)
        request.includeOpenInterest =
            includeOpenInterest
            || (settings.openInterest == "daily" && openInterest.withLock { $0[symbol]?.day != day })
        var notes: [String] = []
        if let plan = await fetcher.preflight(
            request, now: now, intervalSeconds: settings.intervalSeconds, lines: settings.lines,
            messagesPerSecond: settings.messagesPerSecond),
            !plan.fits(intervalSeconds: settings.intervalSeconds)
        {
            notes.append("pre-flight: \(plan) exceeds the \(settings.intervalSeconds) s interval")
        }
        do {
            var picture = try await fetcher.marketData(request, now: now)
            carryOpenInterest(&picture, now: now)
            let underlying = UnderlyingSnapshot(
                symbol: symbol, timestamp: now, price: picture.price, vix: picture.vix, trend: picture.trend,
                ivRank: picture.ivRank,
                atmIV: picture.atmIV, source: picture.source)
            try store.recordSymbol(cycleID: cycleID, chain: picture.chain, underlying: underlying)
            notes += picture.warnings.map { "\(symbol): \($0)" }
            let collection = SymbolCollection(
                symbol: symbol, contracts: picture.chain.options.count, ivRank: picture.ivRank, atmIV: picture.atmIV,
                vix: picture.vix,
                trend: picture.trend.rawValue, source: picture.source.rawValue,
                seconds: seconds(ContinuousClock.now - started), error: nil,
                notes: notes)
            return (collection, picture)
        } catch {
            logger.error(
                "symbol failed", metadata: ["chain.symbol": "\(symbol)", "cycle.id": "\(cycleID)", "error": "\(error)"])
            let collection = SymbolCollection(
                symbol: symbol, contracts: 0, ivRank: nil, atmIV: nil, vix: nil, trend: nil, source: nil,
                seconds: seconds(ContinuousClock.now - started), error: "\(error)", notes: notes)
            return (collection, nil)
        }
    }

    /// Remembers the open interest the chain carries and fills rows that lack it from the same day's.
    func carryOpenInterest(_ picture: inout MarketPicture, now: Date) {
        let day = calendar.tradingDay(of: now)
        openInterest.withLock { cache in
            var known = cache[picture.symbol].flatMap { $0.day == day ? $0.values : nil } ?? [:]
            for i in picture.chain.options.indices {
                let key = picture.chain.options[i].contract.key
                if let oi = picture.chain.options[i].quote.openInterest {
                    known[key] = oi
                } else if let oi = known[key] {
                    picture.chain.options[i].quote.openInterest = oi
                }
            }
            cache[picture.symbol] = (day, known)
        }
    }

    /// Whether `date` is inside collection hours (New York).
    public func isCollectionTime(_ date: Date) -> Bool {
        let day = calendar.tradingDay(of: date)
        if settings.weekdaysOnly && day.isoWeekday > 5 { return false }
        if settings.skipHolidays && calendar.isHoliday(day) { return false }
        let minute = calendar.minuteOfDay(date)
        let end = min(settings.hoursEnd, calendar.closeMinute(on: day) ?? settings.hoursEnd)
        return minute >= settings.hoursStart && minute < end
    }

    /// The next interval boundary (aligned to :00, :05 ... in market time) inside collection hours.
    public func nextSlot(after date: Date) -> Date {
        let interval = Double(settings.intervalSeconds)
        var slot = Date(
            timeIntervalSince1970: (date.timeIntervalSince1970 / interval).rounded(.down) * interval + interval)
        for _ in 0..<(7 * 86_400 / settings.intervalSeconds + 10) where !isCollectionTime(slot) {
            slot = slot.addingTimeInterval(interval)
        }
        return slot
    }

    /// Collects at every slot until `cycles` ran (nil = until cancelled). `speed` converts simulated
    /// waits to real ones. An overrunning cycle is recorded and the slots it covered are skipped.
    public func run(
        cycles: Int?, speed: Double, onCycle: @Sendable (CycleReport, [MarketPicture]) async -> Void = { _, _ in }
    ) async throws {
        var done = 0
        var now = await marketTime()
        var slot = isCollectionTime(now) ? now : nextSlot(after: now)
        while cycles.map({ done < $0 }) ?? true {
            try Task.checkCancellation()
            now = await marketTime()
            if slot > now {
                try await Task.sleep(for: .milliseconds(Int(slot.timeIntervalSince(now) / max(speed, 0.001) * 1000)))
            }
            let (report, pictures) = try await collectCycle(at: slot)
            done += 1
            await onCycle(report, pictures)
            let after = await marketTime()
            let next = nextSlot(after: slot)
            if after > next {
                logger.warning(
                    "cycle overran its interval; skipping to the next free slot",
                    metadata: ["cycle.id": "\(report.cycleID)"])
            }
            slot = after > next ? nextSlot(after: after) : next
        }
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
