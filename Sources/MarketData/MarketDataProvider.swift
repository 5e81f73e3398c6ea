import Foundation
import OptionsModel
import Synchronization

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
    public var snapshotTimeout: Duration
    public var greeksGrace: Duration
    public var openInterestTimeout: Duration
    /// Legs of open positions: collected whatever the DTE window and strike range say, so positions
    /// can be marked and closed after they leave them.
    public var heldContracts: [OptionContract] = []

    public init(
        symbol: String, dteMin: Int = 7, dteMax: Int = 60, maxExpiries: Int = 4, strikeRangePct: Double = 0.08,
        includeOpenInterest: Bool = false, snapshotTimeout: Duration = .seconds(11),
        greeksGrace: Duration = .seconds(2),
        openInterestTimeout: Duration = .seconds(5)
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
    }

    /// Expiries inside the DTE window, nearest first, at most `maxExpiries`.
    public func selectExpiries(_ all: [Expiry], today: TradingDay) -> [Expiry] {
        Array(
            all.filter { (dteMin...max(dteMin, dteMax)).contains($0.days(since: today)) }.sorted().prefix(maxExpiries))
    }

    /// `planned` plus any held contract it lacks.
    public func addingHeld(to planned: [OptionContract]) -> [OptionContract] {
        let keys = Set(planned.map(\.key))
        var seen = keys
        return planned + heldContracts.filter { seen.insert($0.key).inserted }
    }

    /// Strikes within the range around `spot`.
    public func selectStrikes(_ all: [Double], spot: Double) -> [Double] {
        all.filter { abs($0 - spot) <= spot * strikeRangePct }.sorted()
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
