import Foundation
import OptionsModel
import Synchronization

/// What the strategy needs from every chain, so the collector can never starve it: its DTE window
/// and target, and how far from spot its short and long strikes reach.
public struct StrategyNeeds: Sendable, Equatable {
    public var dteWindow: ClosedRange<Int>
    public var targetDTE: Int
    /// The short strike's |delta| band (its low end is the strike furthest from spot).
    public var shortDelta: ClosedRange<Double>
    /// The long strike: dollars beyond the short, or (nil) by `longDelta`.
    public var spreadWidth: Double?
    public var longDelta: Double

    /// The needs of a strategy.
    public init(
        dteWindow: ClosedRange<Int>, targetDTE: Int, shortDelta: ClosedRange<Double>, spreadWidth: Double?,
        longDelta: Double
    ) {
        self.dteWindow = dteWindow
        self.targetDTE = targetDTE
        self.shortDelta = shortDelta
        self.spreadWidth = spreadWidth
        self.longDelta = longDelta
    }

    /// The expiry nearest the target DTE inside the window (the earlier one on a tie): the one the
    /// strategy trades, and the one the collector always collects.
    public static func nearestExpiry(_ expiries: [Expiry], window: ClosedRange<Int>, target: Int, today: TradingDay)
        -> Expiry?
    {
        expiries.filter { window.contains($0.days(since: today)) }.sorted().min(by: {
            abs($0.days(since: today) - target) < abs($1.days(since: today) - target)
        })
    }

    /// The fraction of spot the strategy's strikes reach at `days` to expiry with volatility `iv`:
    /// the short strike at the band's lowest |delta| (skew allowed for on the put side), then the long
    /// strike by width or delta, plus a margin of one percent for the move within a cycle.
    public func strikeReach(spot: Double, iv: Double, days: Int) -> Double {
        guard spot > 0 else { return 0 }
        let root = (Double(max(days, 1)) / 365).squareRoot()
        // Put-side implied volatility runs above ATM on index ETFs: reach for it.
        let putIV = iv * 1.3
        let zShort = -BlackScholes.inverseNormalCDF(max(1e-4, shortDelta.lowerBound))
        let zLong = -BlackScholes.inverseNormalCDF(max(1e-4, min(longDelta, shortDelta.lowerBound)))
        func reach(_ vol: Double) -> Double {
            let short = zShort * vol * root
            let long = spreadWidth.map { short + $0 / spot } ?? zLong * vol * root
            return max(short, long)
        }
        // exp() turns log-distance into price distance on the call side; the put side is bounded by 1.
        let put = 1 - exp(-reach(putIV))
        let call = exp(reach(iv)) - 1
        return max(put, call) + 0.01
    }
}

/// What to collect for one underlying.
public struct ChainRequest: Sendable, Equatable {
    public var symbol: String
    public var dteMin: Int
    public var dteMax: Int
    public var maxExpiries: Int
    /// Strikes within this fraction of spot.
    public var strikeRangePct: Double
    /// Collect open interest (a streaming line per contract) this time.
    public var includeOpenInterest: Bool
    /// With open interest on: contracts whose open interest is already known today are skipped.
    public var openInterestKnown: Set<OptionKey> = []
    public var snapshotTimeout: Duration
    public var greeksGrace: Duration
    public var openInterestTimeout: Duration
    /// Legs of open positions: collected whatever the DTE window and strike range say, so positions
    /// can be marked and closed after they leave them.
    public var heldContracts: [OptionContract] = []
    /// What the strategy needs; collected in addition to the collection's own window and range.
    public var strategy: StrategyNeeds?
    /// The ATM volatility used to size the strategy's strike reach (the symbol's last known).
    public var ivEstimate = 0.25

    /// A request.
    public init(
        symbol: String, dteMin: Int = 7, dteMax: Int = 60, maxExpiries: Int = 4, strikeRangePct: Double = 0.08,
        includeOpenInterest: Bool = false, snapshotTimeout: Duration = .seconds(11),
        greeksGrace: Duration = .seconds(2),
        openInterestTimeout: Duration = .seconds(5), strategy: StrategyNeeds? = nil
    ) {
        self.symbol = symbol
        self.dteMin = dteMin
        self.dteMax = dteMax
        self.maxExpiries = maxExpiries
        self.strikeRangePct = strikeRangePct
        self.includeOpenInterest = includeOpenInterest
        self.snapshotTimeout = snapshotTimeout
        self.greeksGrace = greeksGrace
        self.openInterestTimeout = openInterestTimeout
        self.strategy = strategy
    }

    /// The collection's expiries (inside its DTE window, nearest first, at most `maxExpiries`) plus
    /// the strategy's (the one nearest its target DTE inside its window).
    public func selectExpiries(_ all: [Expiry], today: TradingDay) -> [Expiry] {
        var chosen = Set(
            all.filter { (dteMin...max(dteMin, dteMax)).contains($0.days(since: today)) }.sorted().prefix(maxExpiries))
        if let strategy,
            let target = StrategyNeeds.nearestExpiry(
                all, window: strategy.dteWindow, target: strategy.targetDTE, today: today)
        {
            chosen.insert(target)
        }
        return chosen.sorted()
    }

    /// The window the request may need, for sources that query by date range (Polygon).
    public var widestDTEWindow: ClosedRange<Int> {
        let low = min(dteMin, strategy?.dteWindow.lowerBound ?? dteMin)
        let high = max(dteMax, strategy?.dteWindow.upperBound ?? dteMax)
        return low...max(low, high)
    }

    /// The strike range as a fraction of spot: the collection's, widened to the strategy's reach at
    /// the furthest expiry chosen.
    public func effectiveStrikeRange(spot: Double, expiries: [Expiry], today: TradingDay) -> Double {
        guard let strategy, let furthest = expiries.max() else { return strikeRangePct }
        return max(strikeRangePct, strategy.strikeReach(spot: spot, iv: ivEstimate, days: furthest.days(since: today)))
    }

    /// `planned` plus any held contract it lacks.
    public func addingHeld(to planned: [OptionContract]) -> [OptionContract] {
        let keys = Set(planned.map(\.key))
        var seen = keys
        return planned + heldContracts.filter { seen.insert($0.key).inserted }
    }

    /// Strikes within `range` (a fraction) around `spot`.
    public func selectStrikes(_ all: [Double], spot: Double, range: Double) -> [Double] {
        all.filter { abs($0 - spot) <= spot * range }.sorted()
    }

    /// Strikes within the collection's range around `spot`.
    public func selectStrikes(_ all: [Double], spot: Double) -> [Double] {
        selectStrikes(all, spot: spot, range: strikeRangePct)
    }

    /// The rows of `chain` the plan asked for, without the held legs collected beyond it (what ATM IV
    /// and the chain's statistics are computed from).
    public func plannedRows(of chain: ChainSnapshot, today: TradingDay) -> [OptionQuote] {
        guard let spot = chain.underlyingPrice, !heldContracts.isEmpty else { return chain.options }
        let held = Set(heldContracts.map(\.key))
        let expiries = Set(selectExpiries(chain.expiries, today: today))
        let range = effectiveStrikeRange(spot: spot, expiries: Array(expiries), today: today)
        return chain.options.filter { row in
            !held.contains(row.contract.key)
                || (expiries.contains(row.contract.expiry) && abs(row.contract.strike - spot) <= spot * range)
        }
    }
}

/// A source of market data (IB over TWS, Polygon over REST).
public protocol MarketDataProvider: Sendable {
    /// Short name for logs, breakers and health (`ib`, `polygon`).
    var name: String { get }
    /// What every row it serves is marked with.
    var source: DataSource { get }
    /// The filtered option chain with quotes and greeks.
    func optionChain(_ request: ChainRequest, now: Date) async throws -> ChainSnapshot
    /// The underlying's price now.
    func underlyingPrice(_ symbol: String) async throws -> Double
    /// The VIX level.
    func vix() async throws -> Double
    /// Daily bars, oldest first.
    func dailyBars(_ symbol: String, count: Int, now: Date) async throws -> [Bar]
    /// Whether the source serves daily implied-volatility history (IB does; Polygon does not).
    var servesImpliedVolatilityHistory: Bool { get }
    /// The underlying's 30-day ATM implied volatility at each of the last `days` closes, oldest first
    /// (IB's OPTION_IMPLIED_VOLATILITY daily bars): IV rank's history before the store has its own.
    func impliedVolatilityHistory(_ symbol: String, days: Int, now: Date) async throws -> [IVPoint]
    /// Whether the source announces dividends (IB does, through its dividend tick; our Polygon client
    /// does not).
    var servesDividends: Bool { get }
    /// The next dividend of `symbol`; nil when none is announced.
    func nextDividend(_ symbol: String) async throws -> Dividend?
}

/// One day's implied volatility (a fraction).
public struct IVPoint: Sendable, Equatable {
    public var day: TradingDay
    public var iv: Double

    /// A point.
    public init(day: TradingDay, iv: Double) {
        self.day = day
        self.iv = iv
    }
}

extension MarketDataProvider {
    /// Sources without implied-volatility history.
    public var servesImpliedVolatilityHistory: Bool { false }

    /// Sources without dividends.
    public var servesDividends: Bool { false }

    /// Sources without dividends announce none.
    public func nextDividend(_ symbol: String) async throws -> Dividend? { nil }

    /// Sources without implied-volatility history refuse.
    public func impliedVolatilityHistory(_ symbol: String, days: Int, now: Date) async throws -> [IVPoint] {
        throw MarketDataError.noData(provider: name, what: "implied-volatility history of \(symbol)")
    }
}

/// How many lines, messages and how much time a chain collection needs at the configured limits.
public struct CollectionPlan: Sendable, Equatable, CustomStringConvertible {
    public var symbol: String
    public var contracts: Int
    public var messages: Int
    /// Seconds at the pacing floor: max(messages / rate, ceil(contracts / lines) x latency).
    public var estimatedSeconds: Double

    public init(
        symbol: String, contracts: Int, includeOpenInterest: Bool, lines: Int, messagesPerSecond: Int,
        snapshotLatency: Double = 1
    ) {
        self.symbol = symbol
        self.contracts = contracts
        // A snapshot is one request; open interest is a request and its cancel.
        messages = contracts + (includeOpenInterest ? 2 * contracts : 0) + 6
        let rate = Double(messagesPerSecond) * 0.9
        let rounds = (Double(contracts) * (includeOpenInterest ? 2 : 1) / Double(max(1, lines))).rounded(.up)
        estimatedSeconds = max(Double(messages) / rate, rounds * snapshotLatency)
    }

    public var description: String {
        "\(symbol): \(contracts) contracts, \(messages) messages, about \(Int(estimatedSeconds.rounded(.up))) s at the pacing limits"
    }

    /// Whether the collection fits an interval of `seconds`.
    public func fits(intervalSeconds seconds: Int) -> Bool { estimatedSeconds <= Double(seconds) }
}

/// Contracts planned and fetched so far, shared by the providers of a run (for progress displays).
public final class CollectionProgress: Sendable {
    private let counts = Mutex((planned: 0, done: 0))

    public init() {}

    /// Adds contracts about to be fetched.
    public func plan(_ n: Int) { counts.withLock { $0.planned += n } }
    /// One contract fetched (or given up).
    public func advance() { counts.withLock { $0.done += 1 } }
    /// Fetched and planned so far.
    public var snapshot: (done: Int, planned: Int) { counts.withLock { ($0.done, $0.planned) } }
}
