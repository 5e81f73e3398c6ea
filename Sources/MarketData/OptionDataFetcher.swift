import Foundation
import Logging
import OptionsModel
import PolygonClient
import SnapshotStore
import Synchronization

/// Everything the entry decision needs about one underlying.
public struct MarketPicture: Sendable {
    public var symbol: String
    public var chain: ChainSnapshot
    public var price: Double?
    public var atmIV: Double?
    /// IV rank; 50.0 (DESIGN's placeholder) when `ivRankKnown` is false.
    public var ivRank: Double
    /// Whether the IV rank is measured: at least 30 days of IV history behind it.
    public var ivRankKnown: Bool
    public var vix: Double?
    public var trend: Trend
    /// Which provider served the chain.
    public var source: DataSource
    /// Rows with usable greeks / all rows.
    public var greeksCoverage: Double
    /// Problems met on the way (a provider failing before the fallback served, ...).
    public var warnings: [String]
    /// The underlying's next dividend, when a source announces one (IB's tick 456; Polygon: none).
    public var nextDividend: Dividend?

    /// Creates a picture from its parts (the fetcher builds these; tests and replays construct them).
    public init(
        symbol: String, chain: ChainSnapshot, price: Double?, atmIV: Double?, ivRank: Double, ivRankKnown: Bool = true,
        vix: Double?, trend: Trend, source: DataSource, greeksCoverage: Double, warnings: [String] = [],
        nextDividend: Dividend? = nil
    ) {
        self.nextDividend = nextDividend
        self.ivRankKnown = ivRankKnown
        self.symbol = symbol
        self.chain = chain
        self.price = price
        self.atmIV = atmIV
        self.ivRank = ivRank
        self.vix = vix
        self.trend = trend
        self.source = source
        self.greeksCoverage = greeksCoverage
        self.warnings = warnings
    }
}

extension MarketPicture {
    /// The picture the live loop built, read back from a stored cycle: the chain and its underlying
    /// row (nil: only the chain is stored). An IV rank stored as unknown stays unknown.
    public init(stored chain: ChainSnapshot, underlying u: UnderlyingSnapshot?) {
        let usable = chain.options.filter { $0.greeks.isUsable }.count
        self.init(
            symbol: chain.symbol, chain: chain, price: u?.price ?? chain.underlyingPrice, atmIV: u?.atmIV,
            ivRank: u?.ivRank ?? 50, ivRankKnown: u?.ivRank != nil, vix: u?.vix, trend: u?.trend ?? .neutral,
            source: chain.source,
            greeksCoverage: chain.options.isEmpty ? 0 : Double(usable) / Double(chain.options.count),
            nextDividend: u?.nextDividend)
    }
}

/// Turns providers into the market picture: IB first, Polygon when IB's breaker is open, IB fails,
/// or IB's data is unusable (not subscribed, greeks missing for most of the chain). Every row and
/// result records which source served it.
public final class OptionDataFetcher: Sendable {
    public let primary: (any MarketDataProvider)?
    public let fallback: (any MarketDataProvider)?
    public let store: (any MarketDataStore)?
    public let breakers: [String: CircuitBreaker<ContinuousClock>]
    let logger: Logger
    /// A chain with usable greeks on fewer rows than this fraction is unusable.
    let minimumGreeksCoverage: Double
    let ivRankWindowDays: Int
    /// Daily bars fetched for trend (from `collection.bar_duration`; at least the 50 SMA50 needs).
    let barCount: Int
    /// Last ATM IV per symbol: sizes the strategy's strike reach in the next cycle's request.
    let lastATMIV = Mutex([String: Double]())
    /// The day each symbol's IV history was last asked of the sources (once a day at most).
    let ivHistoryAsked = Mutex([String: TradingDay]())
    /// Daily bars per symbol for the trading day they were fetched on (they change once a day, and
    /// asking again within 15 s is a historical-data pacing violation).
    let barsCache = Mutex([String: (day: TradingDay, bars: [Bar])]())
    /// Each symbol's next dividend, asked once a trading day.
    let dividendCache = Mutex([String: (day: TradingDay, dividend: Dividend?)]())

    public init(
        primary: (any MarketDataProvider)?, fallback: (any MarketDataProvider)?, store: (any MarketDataStore)?,
        failureThreshold: Int = 5, resetTimeout: Duration = .seconds(60), minimumGreeksCoverage: Double = 0.5,
        ivRankWindowDays: Int = 60, barCount: Int = 60,
        logger: Logger = Logger(label: "fetcher")
    ) {
        self.barCount = max(50, barCount)
        self.primary = primary
        self.fallback = fallback
        self.store = store
        var breakers: [String: CircuitBreaker<ContinuousClock>] = [:]
        for p in [primary, fallback].compactMap({ $0 }) {
            breakers[p.name] = CircuitBreaker(
                name: p.name, failureThreshold: failureThreshold, resetTimeout: resetTimeout, clock: ContinuousClock())
        }
        self.breakers = breakers
        self.minimumGreeksCoverage = minimumGreeksCoverage
        self.ivRankWindowDays = ivRankWindowDays
        self.logger = logger
    }

    var providers: [any MarketDataProvider] { [primary, fallback].compactMap { $0 } }

    /// Runs `body` on the first provider whose breaker admits it and whose answer is usable.
    func firstUsable<T: Sendable>(
        _ what: String, accept: @Sendable (T) -> String? = { _ in nil },
        _ body: @Sendable (any MarketDataProvider) async throws -> T
    ) async throws -> (T, any MarketDataProvider, [String]) {
        var errors: [String] = []
        for provider in providers {
            guard let breaker = breakers[provider.name], breaker.allowRequest() else {
                errors.append("\(provider.name): circuit breaker open")
                continue
            }
            do {
                let value = try await body(provider)
                if let problem = accept(value) {
                    breaker.recordFailure(problem)
                    errors.append("\(provider.name): \(problem)")
                    logTransitions(breaker)
                    continue
                }
                breaker.recordSuccess()
                logTransitions(breaker)
                return (value, provider, errors)
            } catch {
                if let polygon = error as? PolygonError, polygon.isPermanent {
                    // A refused key or plan cannot heal by retrying: open at once.
                    breaker.trip("\(error)")
                } else {
                    breaker.recordFailure("\(error)")
                }
                logTransitions(breaker)
                errors.append("\(provider.name): \(error)")
            }
        }
        logger.error("no provider could serve \(what)", metadata: ["fetch.errors": "\(errors.joined(separator: "; "))"])
        throw MarketDataError.allProvidersFailed(errors)
    }

    func logTransitions(_ breaker: CircuitBreaker<ContinuousClock>) {
        for t in breaker.drainTransitions() {
            logger.warning(
                "circuit breaker \(breaker.name): \(t.from.rawValue) -> \(t.to.rawValue)",
                metadata: ["breaker.reason": "\(t.reason)"])
        }
    }

    /// The option chain from the first provider that serves a usable one.
    public func fetchOptionChain(_ request: ChainRequest, now: Date) async throws -> (ChainSnapshot, [String]) {
        let minimum = minimumGreeksCoverage
        let (chain, _, errors) = try await firstUsable(
            "the \(request.symbol) chain",
            accept: { (chain: ChainSnapshot) in
                guard !chain.options.isEmpty else { return "empty chain (not subscribed?)" }
                let usable = Double(chain.options.filter { $0.greeks.isUsable }.count) / Double(chain.options.count)
                return usable < minimum
                    ? String(format: "greeks missing on %.0f%% of the chain", (1 - usable) * 100) : nil
            }
        ) { provider in try await provider.optionChain(request, now: now) }
        return (chain, errors)
    }

    /// The VIX level.
    public func vix() async throws -> Double {
        try await firstUsable("VIX") { try await $0.vix() }.0
    }

    /// Trend from daily closes (price vs SMA20 vs SMA50).
    public func underlyingTrend(_ symbol: String, price: Double?, now: Date) async throws -> Trend {
        let today = MarketCalendar().tradingDay(of: now)
        if let cached = barsCache.withLock({ $0[symbol] }), cached.day == today {
            return MarketAnalytics.trend(closes: cached.bars.map(\.close), price: price)
        }
        let minimum = 50
        let (bars, provider, _) = try await firstUsable(
            "\(symbol) bars", accept: { (bars: [Bar]) in bars.count < minimum ? "only \(bars.count) bars" : nil }
        ) {
            try await $0.dailyBars(symbol, count: barCount, now: now)
        }
        do {
            try store?.upsertBars(symbol: symbol, bars: bars, barSize: "1 day", source: provider.source)
        } catch {
            logger.error("storing bars failed", metadata: ["chain.symbol": "\(symbol)", "error": "\(error)"])
        }
        barsCache.withLock { $0[symbol] = (today, bars) }
        return MarketAnalytics.trend(closes: bars.map(\.close), price: price)
    }

    /// IV rank of `current` against the stored daily ATM IVs of the window: measured, or 50 and not
    /// known (with the reason when the store could not be read). With fewer than 30 stored days, the
    /// history is first filled from a source that serves it (IB's OPTION_IMPLIED_VOLATILITY bars),
    /// once a day.
    public func ivRank(_ symbol: String, current: Double?, now: Date) async -> (
        rank: Double, known: Bool, problem: String?
    ) {
        guard let current, let store else { return (50, false, nil) }
        do {
            var history = try store.ivHistory(symbol: symbol, days: ivRankWindowDays, until: now)
            if history.points.count < 30, await backfillIVHistory(symbol, now: now) > 0 {
                history = try store.ivHistory(symbol: symbol, days: ivRankWindowDays, until: now)
            }
            let values = history.points.map(\.atmIV)
            if let rank = MarketAnalytics.knownIVRank(current: current, history: values) { return (rank, true, nil) }
            return (50, false, "IV rank unknown: \(values.count) days of IV history (30 needed); 50 stands in")
        } catch {
            logger.error("IV history unreadable", metadata: ["chain.symbol": "\(symbol)", "error": "\(error)"])
            return (50, false, "IV rank: history unreadable (\(error)); 50 stands in")
        }
    }

    /// Fills the store's daily ATM IV from the first source that serves a history; returns days added.
    func backfillIVHistory(_ symbol: String, now: Date) async -> Int {
        let today = MarketCalendar().tradingDay(of: now)
        let ask = ivHistoryAsked.withLock { asked -> Bool in
            guard asked[symbol] != today else { return false }
            asked[symbol] = today
            return true
        }
        guard ask, let store else { return 0 }
        for provider in providers where provider.servesImpliedVolatilityHistory {
            guard breakers[provider.name]?.currentState != .open else { continue }
            do {
                let points = try await provider.impliedVolatilityHistory(symbol, days: ivRankWindowDays, now: now)
                let added = try store.backfillDailyATMIV(
                    symbol: symbol, points: points.map { ($0.day, $0.iv) }, source: provider.source)
                logger.info(
                    "IV history filled from \(provider.name)",
                    metadata: ["chain.symbol": "\(symbol)", "iv.days": "\(points.count)", "iv.added": "\(added)"])
                return added
            } catch {
                logger.warning(
                    "IV history not available from \(provider.name)",
                    metadata: ["chain.symbol": "\(symbol)", "error": "\(error)"])
            }
        }
        return 0
    }

    /// The next dividend, asked once a trading day of the source that served this cycle's chain (a
    /// source that just failed is not asked again for it); a failure is a warning (the ex-dividend exit
    /// then has nothing to act on) and is asked again next cycle.
    public func nextDividend(_ symbol: String, servedBy source: DataSource, now: Date) async -> (
        dividend: Dividend?, problem: String?
    ) {
        let today = MarketCalendar().tradingDay(of: now)
        if let cached = dividendCache.withLock({ $0[symbol] }), cached.day == today { return (cached.dividend, nil) }
        guard let provider = providers.first(where: { $0.source == source && $0.servesDividends }) else {
            return (nil, nil)
        }
        do {
            let dividend = try await provider.nextDividend(symbol)
            dividendCache.withLock { $0[symbol] = (today, dividend) }
            return (dividend, nil)
        } catch {
            return (nil, "\(symbol) dividend: \(error)")
        }
    }

    /// The whole picture for one underlying.
    public func marketData(_ request: ChainRequest, now: Date) async throws -> MarketPicture {
        var request = request
        if let known = lastATMIV.withLock({ $0[request.symbol] }) { request.ivEstimate = known }
        let (chain, errors) = try await fetchOptionChain(request, now: now)
        var warnings = errors
        let price = chain.underlyingPrice
        let today = MarketCalendar().tradingDay(of: now)
        // From the planned chain only: held legs in other expiries are not the market's ATM.
        let planned = request.plannedRows(of: chain, today: today)
        let atmIV = price.flatMap {
            MarketAnalytics.constantMaturityATMIV(chain: planned, underlying: $0, today: today)
        }
        if let atmIV { lastATMIV.withLock { $0[request.symbol] = atmIV } }
        var vix: Double?
        do { vix = try await self.vix() } catch { warnings.append("VIX: \(error)") }
        var trend = Trend.neutral
        do { trend = try await underlyingTrend(request.symbol, price: price, now: now) } catch {
            warnings.append("trend: \(error)")
        }
        let coverage =
            chain.options.isEmpty
            ? 0 : Double(chain.options.filter { $0.greeks.isUsable }.count) / Double(chain.options.count)
        let rank = await ivRank(request.symbol, current: atmIV, now: now)
        if let problem = rank.problem { warnings.append(problem) }
        let dividend = await nextDividend(request.symbol, servedBy: chain.source, now: now)
        if let problem = dividend.problem { warnings.append(problem) }
        return MarketPicture(
            symbol: request.symbol, chain: chain, price: price, atmIV: atmIV, ivRank: rank.rank,
            ivRankKnown: rank.known, vix: vix,
            trend: trend, source: chain.source, greeksCoverage: coverage, warnings: warnings,
            nextDividend: dividend.dividend)
    }

    /// The line-budget pre-flight of a cycle: contracts the filters select, lines and messages they
    /// need, and the time at the configured limits. Logs a warning when it cannot fit `intervalSeconds`
    /// (the collector also records it in the cycle). Nil when IB is not the primary or cannot answer.
    public func preflight(
        _ request: ChainRequest, now: Date, intervalSeconds: Int, lines: Int, messagesPerSecond: Int
    ) async -> CollectionPlan? {
        guard let ib = primary as? IBProvider, let breaker = breakers[ib.name], breaker.currentState == .closed,
            let planned = try? await ib.plannedContracts(request, now: now)
        else { return nil }
        let plan = CollectionPlan(
            symbol: request.symbol, contracts: planned.contracts.count,
            includeOpenInterest: request.includeOpenInterest, lines: lines,
            messagesPerSecond: messagesPerSecond)
        if plan.estimatedSeconds > Double(intervalSeconds) {
            logger.warning(
                "collection cannot fit the interval: \(plan); narrow collection.strike_range_pct or max_expiries, or lengthen interval_seconds",
                metadata: ["chain.symbol": "\(request.symbol)", "chain.contracts": "\(plan.contracts)"])
        }
        return plan
    }

    /// Breaker states for health and metrics.
    public var breakerStates: [String: CircuitBreaker<ContinuousClock>.State] {
        breakers.mapValues(\.currentState)
    }
}
