import Foundation
import Logging
import OptionsModel
import Synchronization
import TWSClient

/// Market data from IB (or the gateway simulator) over TWSClient: conId by contract details, chain
/// parameters from the SMART row of the underlying's standard trading class, filtering before any
/// market-data request, snapshots for quotes and greeks, open interest by subscribe-wait-cancel.
public final class IBProvider: MarketDataProvider, Sendable {
    public let client: TWSClient
    public let name = "ib"
    public let source: DataSource
    let logger: Logger
    let calendar = MarketCalendar()
    private let conIds = Mutex([String: Int]())
    /// Contracts planned and fetched, for progress displays.
    public let progress: CollectionProgress?

    /// A provider over `client`; rows are marked `source` (`.ib`, or `.simulator` in simulator mode).
    public init(
        client: TWSClient, source: DataSource = .ib, logger: Logger = Logger(label: "ib-provider"),
        progress: CollectionProgress? = nil
    ) {
        self.client = client
        self.source = source
        self.logger = logger
        self.progress = progress
    }

    /// Runs `request` again after IB's transient refusals: 101 (every market-data line taken, by TWS
    /// windows or another client) up to twice, and once after a timeout, which is how a request IB
    /// dropped under a message-rate violation (100, sent without a request id) shows up. A timeout
    /// while disconnected is not retried: the fallback should take over without another wait.
    func retryingTransient<T: Sendable>(_ what: String, timeouts: Bool, _ request: () async throws -> T)
        async throws -> T
    {
        var delay = Duration.milliseconds(250)
        var timeoutsLeft = timeouts ? 1 : 0
        for _ in 0..<2 {
            do {
                return try await request()
            } catch let error as TWSClientError
                where error.isMarketDataLineLimit
                || (error.code == .requestTimeout && timeoutsLeft > 0 && client.connectionInfo != nil)
            {
                if error.code == .requestTimeout { timeoutsLeft -= 1 }
                logger.info(
                    "retrying after a transient refusal", metadata: ["request": "\(what)", "tws.error": "\(error)"])
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return try await request()
    }

    func conId(_ symbol: String) async throws -> Int {
        if let known = conIds.withLock({ $0[symbol] }) { return known }
        let found = try await retryingTransient("contract details \(symbol)", timeouts: true) {
            try await client.conId(of: .stock(symbol))
        }
        guard let id = found else {
            throw MarketDataError.noData(provider: name, what: "contract details for \(symbol)")
        }
        conIds.withLock { $0[symbol] = id }
        return id
    }

    /// The contracts a request selects (also the input of the line-budget pre-flight).
    public func plannedContracts(_ request: ChainRequest, now: Date) async throws -> (
        spot: Double, contracts: [OptionContract]
    ) {
        let id = try await conId(request.symbol)
        let rows = try await retryingTransient("option parameters \(request.symbol)", timeouts: true) {
            try await client.optionChainParameters(symbol: request.symbol, conId: id)
        }
        guard
            let row = rows.first(where: { $0.exchange == "SMART" && $0.tradingClass == request.symbol })
                ?? rows.first(where: { $0.exchange == "SMART" })
        else { throw MarketDataError.noData(provider: name, what: "option parameters for \(request.symbol)") }
        let spot = try await underlyingPrice(request.symbol)
        let expiries = request.selectExpiries(
            row.expirations.compactMap(Expiry.init), today: calendar.tradingDay(of: now))
        let today = calendar.tradingDay(of: now)
        let strikes = request.selectStrikes(
            row.strikes, spot: spot, range: request.effectiveStrikeRange(spot: spot, expiries: expiries, today: today))
        var contracts: [OptionContract] = []
        for e in expiries {
            for k in strikes {
                for right in OptionRight.allCases {
                    contracts.append(
                        OptionContract(
                            symbol: request.symbol, expiry: e, strike: k, right: right, tradingClass: row.tradingClass))
                }
            }
        }
        return (spot, request.addingHeld(to: contracts))
    }

    public func optionChain(_ request: ChainRequest, now: Date) async throws -> ChainSnapshot {
        let (spot, contracts) = try await plannedContracts(request, now: now)
        let source = self.source
        progress?.plan(contracts.count)
        let quotes = try await withThrowingTaskGroup(of: OptionQuote?.self) { group in
            for contract in contracts {
                group.addTask {
                    defer { self.progress?.advance() }
                    let snapshot: TWSMarketDataSnapshot
                    do {
                        // No retry on a timeout here: an option without quotes times out too.
                        snapshot = try await self.retryingTransient("snapshot \(contract)", timeouts: false) {
                            try await self.client.snapshot(
                                .option(contract), timeout: request.snapshotTimeout, greeksGrace: request.greeksGrace,
                                expected: [.bid, .ask, .greeks])
                        }
                    } catch let error as TWSClientError where error.code == .requestFailed {
                        // One contract refused (no data, not subscribed) must not sink the chain.
                        self.logger.debug(
                            "snapshot refused",
                            metadata: ["chain.symbol": "\(contract.symbol)", "tws.code": "\(error.ibCode ?? 0)"])
                        return nil
                    }
                    var oi: Double?
                    if request.includeOpenInterest && !request.openInterestKnown.contains(contract.key) {
                        // Open interest is optional: a refused or timed-out sample leaves it nil.
                        oi =
                            (try? await self.client.openInterest(contract, timeout: request.openInterestTimeout)) ?? nil
                    }
                    return Self.optionQuote(contract, snapshot, openInterest: oi, underlying: spot, source: source)
                }
            }
            var out: [OptionQuote] = []
            for try await q in group { if let q { out.append(q) } }
            return out.sorted {
                ($0.contract.expiry, $0.contract.strike, $0.contract.right.rawValue) < (
                    $1.contract.expiry, $1.contract.strike, $1.contract.right.rawValue
                )
            }
        }
        return ChainSnapshot(
            symbol: request.symbol, timestamp: now, underlyingPrice: spot, options: quotes, source: source)
    }

    /// Maps a snapshot to an option row, never turning a sentinel into a number.
    static func optionQuote(
        _ contract: OptionContract, _ s: TWSMarketDataSnapshot, openInterest: Double?, underlying: Double,
        source: DataSource
    ) -> OptionQuote {
        let model = s.model
        let quote = Quote(
            bid: s.bid.flatMap { $0 >= 0 ? $0 : nil }, ask: s.ask.flatMap { $0 > 0 ? $0 : nil },
            last: s.last.flatMap { $0 > 0 ? $0 : nil },
            bidSize: s.bidSize, askSize: s.askSize, volume: s.volume, openInterest: openInterest, close: s.close)
        let greeks = model?.greeks ?? Greeks()
        var flags = QualityFlags.derived(quote: quote, greeks: greeks)
        if model != nil && (greeks.delta == nil || greeks.impliedVolatility == nil) { flags.insert(.sentinel) }
        if s.delayed || s.marketDataType >= 3 { flags.insert(.delayed) }
        if s.marketDataType == 2 || s.marketDataType == 4 { flags.insert(.stale) }
        return OptionQuote(
            contract: contract, quote: quote, greeks: greeks, underlyingPrice: model?.underlyingPrice ?? underlying,
            flags: flags, source: source)
    }

    public func underlyingPrice(_ symbol: String) async throws -> Double {
        let s = try await retryingTransient("\(symbol) price", timeouts: true) {
            try await client.snapshot(.stock(symbol), expected: [.last])
        }
        guard let price = s.last ?? (s.bid.flatMap { b in s.ask.map { (b + $0) / 2 } }) ?? s.close else {
            throw MarketDataError.noData(provider: name, what: "\(symbol) price")
        }
        return price
    }

    public func vix() async throws -> Double {
        let s = try await retryingTransient("VIX", timeouts: true) {
            try await client.snapshot(.vix, expected: [.last])
        }
        guard let value = s.last ?? s.close else { throw MarketDataError.noData(provider: name, what: "VIX") }
        return value
    }

    public var servesDividends: Bool { true }

    public func nextDividend(_ symbol: String) async throws -> Dividend? {
        // Once a day per symbol: a generous wait costs little, and a loaded gateway may be slow to tick.
        try await client.nextDividend(symbol, timeout: .seconds(10))
    }

    public var servesImpliedVolatilityHistory: Bool { true }

    public func impliedVolatilityHistory(_ symbol: String, days: Int, now: Date) async throws -> [IVPoint] {
        try await client.dailyBars(.stock(symbol), duration: .days(max(days, 1)), show: .optionImpliedVolatility)
            .compactMap { b in
                guard b.close.isFinite, b.close > 0 else { return nil }
                return IVPoint(day: b.day, iv: b.close)
            }
    }

    public func dailyBars(_ symbol: String, count: Int, now: Date) async throws -> [Bar] {
        let years = Int((Double(count) / 252).rounded(.up))
        let duration: TWSHistoricalDuration = count <= 365 ? .days(max(count, 1)) : .years(years)
        let instrument: TWSInstrument = symbol == "VIX" ? .vix : .stock(symbol)
        // IB's -1 volume (an index, non-TRADES bars) arrives as none, not a number.
        return try await client.dailyBars(instrument, duration: duration).suffix(count).map { $0 }
    }
}

/// Market-data failures the collector records.
public enum MarketDataError: Error, Sendable, CustomStringConvertible {
    case noData(provider: String, what: String)
    case unusable(provider: String, reason: String)
    case allProvidersFailed([String])

    public var description: String {
        switch self {
        case .noData(let p, let what): "\(p): no data for \(what)"
        case .unusable(let p, let reason): "\(p): data unusable (\(reason))"
        case .allProvidersFailed(let errors): "every provider failed: " + errors.joined(separator: "; ")
        }
    }
}
