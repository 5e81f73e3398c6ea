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
    let openInterest = Mutex([String: OpenInterestDay]())

    /// Open interest seen for a symbol on one day, and the contracts already asked (with or without
    /// an answer), so a contract that enters the range later in the day is asked once too.
    struct OpenInterestDay {
        var day: TradingDay
        var values: [OptionKey: Double] = [:]
        var asked: Set<OptionKey> = []
    }
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
        let cycleID = try store.beginCycle(startedAt: now)
        let includeOI = settings.openInterest == "every_cycle"
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

    func collect(_ symbol: String, cycleID: Int64, now: Date, includeOpenInterest: Bool) async -> (
        SymbolCollection, MarketPicture?
    ) {
        let started = ContinuousClock.now
        var request = settings.request
        request.symbol = symbol
        request.heldContracts = heldContracts(symbol)
        // Daily: every contract without today's value is asked (the day's first cycle asks all of
        // them; later cycles only those that entered the range since); asked ones are carried.
        let day = calendar.tradingDay(of: now)
        if settings.openInterest == "daily" {
            request.includeOpenInterest = true
            request.openInterestKnown =
                openInterest.withLock { $0[symbol].flatMap { $0.day == day ? $0.asked : nil } }
                ?? []
        } else {
            request.includeOpenInterest = includeOpenInterest
        }
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
            carryOpenInterest(&picture, now: now, asked: request.includeOpenInterest)
            // An IV rank without history is stored as unknown (NULL), never as a measured 50.
            let underlying = UnderlyingSnapshot(
                symbol: symbol, timestamp: now, price: picture.price, vix: picture.vix, trend: picture.trend,
                ivRank: picture.ivRankKnown ? picture.ivRank : nil,
                atmIV: picture.atmIV, source: picture.source, nextDividend: picture.nextDividend)
            try store.recordSymbol(cycleID: cycleID, chain: picture.chain, underlying: underlying)
            notes += picture.warnings.map { "\(symbol): \($0)" }
            let collection = SymbolCollection(
                symbol: symbol, contracts: picture.chain.options.count,
                ivRank: picture.ivRankKnown ? picture.ivRank : nil, atmIV: picture.atmIV,
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
    func carryOpenInterest(_ picture: inout MarketPicture, now: Date, asked: Bool) {
        let day = calendar.tradingDay(of: now)
        openInterest.withLock { cache in
            var known = cache[picture.symbol].flatMap { $0.day == day ? $0 : nil } ?? OpenInterestDay(day: day)
            for i in picture.chain.options.indices {
                let key = picture.chain.options[i].contract.key
                if asked { known.asked.insert(key) }
                if let oi = picture.chain.options[i].quote.openInterest {
                    known.values[key] = oi
                } else if let oi = known.values[key] {
                    picture.chain.options[i].quote.openInterest = oi
                }
            }
            cache[picture.symbol] = known
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

    /// The next interval boundary inside collection hours, aligned to New York midnight (:00, :05 ...
    /// of New York time whatever the interval), never to the Unix epoch.
    public func nextSlot(after date: Date) -> Date {
        var slot = alignedSlot(after: date)
        for _ in 0..<(7 * 86_400 / settings.intervalSeconds + 10) where !isCollectionTime(slot) {
            slot = alignedSlot(after: slot)
        }
        return slot
    }

    /// The first boundary after `date` counted from its New York day's midnight.
    func alignedSlot(after date: Date) -> Date {
        let interval = Double(settings.intervalSeconds)
        let day = calendar.tradingDay(of: date)
        let midnight = calendar.date(day, minute: 0)
        let next = midnight.addingTimeInterval(
            (date.timeIntervalSince(midnight) / interval).rounded(.down) * interval + interval)
        // Past the day's end the count starts again at the next midnight.
        let nextMidnight = calendar.date(day.adding(days: 1), minute: 0)
        return next < nextMidnight ? next : nextMidnight
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
