import Foundation
import GatewaySimulator
import MarketData
import OptionsModel

/// The simulated market as a market-data provider, without the wire: the same chains, greeks, VIX
/// and bars the gateway simulator serves, selected by the same request (collection window, strategy
/// needs, held legs), for `simulate-history` and the tests that run a config through a simulated day.
public struct SimulatedMarketProvider: MarketDataProvider {
    public let market: SimulatedMarket
    public let name = "simulator"
    public let source = DataSource.simulator
    /// Rows flagged delayed (a gateway serving delayed data).
    let delayed: Bool
    /// Market time, for the requests that carry none (underlying price, VIX).
    let clock: @Sendable () -> Date
    let calendar = MarketCalendar()

    /// A provider over `market` at the market time `clock` says.
    public init(market: SimulatedMarket, delayed: Bool = false, clock: @escaping @Sendable () -> Date) {
        self.market = market
        self.delayed = delayed
        self.clock = clock
    }

    public func optionChain(_ request: ChainRequest, now: Date) async throws -> ChainSnapshot {
        guard let spot = market.price(request.symbol, at: now) else {
            throw MarketDataError.noData(provider: name, what: "\(request.symbol) price")
        }
        let today = calendar.tradingDay(of: now)
        let expiries = request.selectExpiries(market.expiries(request.symbol, at: now), today: today)
        let range = request.effectiveStrikeRange(spot: spot, expiries: expiries, today: today)
        var contracts: [OptionContract] = []
        for expiry in expiries {
            for strike in request.selectStrikes(
                market.strikes(request.symbol, expiry: expiry, at: now), spot: spot, range: range)
            {
                for right in OptionRight.allCases {
                    contracts.append(
                        OptionContract(
                            symbol: request.symbol, expiry: expiry, strike: strike, right: right,
                            tradingClass: request.symbol))
                }
            }
        }
        let options = request.addingHeld(to: contracts).compactMap { contract -> OptionQuote? in
            var c = contract
            c.conId = market.optionConId(contract)
            guard let q = market.optionQuote(c, at: now) else { return nil }
            let quote = Quote(
                bid: q.bid, ask: q.ask, last: q.last, bidSize: q.bidSize, askSize: q.askSize, volume: q.volume,
                openInterest: request.includeOpenInterest && !request.openInterestKnown.contains(c.key)
                    ? q.openInterest : nil)
            let greeks = Greeks(
                impliedVolatility: q.impliedVol, delta: q.delta, gamma: q.gamma, theta: q.theta, vega: q.vega)
            var flags = QualityFlags.derived(quote: quote, greeks: greeks)
            if delayed { flags.insert(.delayed) }
            return OptionQuote(
                contract: c, quote: quote, greeks: greeks, underlyingPrice: q.underlying, flags: flags, source: source)
        }
        return ChainSnapshot(
            symbol: request.symbol, timestamp: now, underlyingPrice: spot, options: options, source: source)
    }

    public func underlyingPrice(_ symbol: String) async throws -> Double {
        guard let price = market.price(symbol, at: clock()) else {
            throw MarketDataError.noData(provider: name, what: "\(symbol) price")
        }
        return price
    }

    public func vix() async throws -> Double { market.vix(at: clock()) }

    public var servesImpliedVolatilityHistory: Bool { true }

    public func impliedVolatilityHistory(_ symbol: String, days: Int, now: Date) async throws -> [IVPoint] {
        market.impliedVolatilityHistory(symbol, endingAt: now, count: days).map { IVPoint(day: $0.day, iv: $0.iv) }
    }

    public func dailyBars(_ symbol: String, count: Int, now: Date) async throws -> [Bar] {
        market.dailyBars(symbol, endingAt: now, count: count)
    }
}
