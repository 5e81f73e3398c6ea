import OptionsModel
import Synchronization
import TWSWire

/// An instrument as the layers above TWSClient name it: the client builds the wire contract
/// (SMART routing, USD) so nothing above it needs TWSWire.
public enum TWSInstrument: Sendable, Hashable {
    /// A US stock or ETF, SMART-routed.
    case stock(String)
    /// An index on its listing exchange.
    case index(String, exchange: String)
    /// A US equity option, SMART-routed, with its conId when known.
    case option(OptionContract)

    /// The VIX index on CBOE.
    public static let vix = TWSInstrument.index("VIX", exchange: "CBOE")
}

extension TWSContract {
    /// The wire contract of an instrument.
    package init(_ instrument: TWSInstrument) {
        switch instrument {
        case .stock(let symbol):
            self.init(symbol: symbol, secType: TWSSecurityType.stock.rawValue, exchange: "SMART", currency: "USD")
        case .index(let symbol, let exchange):
            self.init(symbol: symbol, secType: TWSSecurityType.index.rawValue, exchange: exchange, currency: "USD")
        case .option(let c):
            self.init(
                conId: c.conId ?? 0, symbol: c.symbol, secType: TWSSecurityType.option.rawValue,
                lastTradeDateOrContractMonth: c.expiry.yyyymmdd, strike: c.strike, right: c.right.code,
                multiplier: String(c.multiplier), exchange: "SMART", currency: "USD",
                tradingClass: c.tradingClass ?? "")
        }
    }
}

/// One row of an underlying's option chain parameters (one per exchange and trading class).
public struct TWSOptionChainParameters: Sendable, Hashable {
    /// The exchange of the row (`SMART` for the routed chain).
    public var exchange: String
    /// The trading class (the symbol for the standard class).
    public var tradingClass: String
    /// The contract multiplier as IB sends it.
    public var multiplier: String
    /// `YYYYMMDD` expirations.
    public var expirations: [String]
    /// Strikes.
    public var strikes: [Double]
}

/// How far back a historical request reaches (IB's duration strings `N D`, `N W`, `N M`, `N Y`).
public enum TWSHistoricalDuration: Sendable, Hashable, CustomStringConvertible {
    /// `N D`.
    case days(Int)
    /// `N W`.
    case weeks(Int)
    /// `N M`.
    case months(Int)
    /// `N Y`.
    case years(Int)

    /// The wire string.
    public var description: String {
        switch self {
        case .days(let n): "\(n) D"
        case .weeks(let n): "\(n) W"
        case .months(let n): "\(n) M"
        case .years(let n): "\(n) Y"
        }
    }
}

/// What historical bars show (IB's `whatToShow`).
public enum TWSHistoricalShow: String, Sendable, CaseIterable {
    /// Trades (the default for stocks).
    case trades = "TRADES"
    /// Bid/ask midpoint.
    case midpoint = "MIDPOINT"
    /// The option implied volatility of the underlying.
    case optionImpliedVolatility = "OPTION_IMPLIED_VOLATILITY"
    /// The historical volatility of the underlying.
    case historicalVolatility = "HISTORICAL_VOLATILITY"
}

/// IB's model greeks of a snapshot as domain values, with the underlying price the model used.
public struct TWSModelGreeks: Sendable, Hashable {
    /// Implied volatility and the greeks; nil where IB sent its "not computed" sentinel.
    public var greeks: Greeks
    /// The underlying price the model used, when sent.
    public var underlyingPrice: Double?
}

extension TWSClientError {
    /// What IB's code means for market-data permissions, in words; nil when it is not such a code.
    public var permissionExplanation: String? { ibCode.flatMap { TWSErrorCode($0).permissionExplanation } }
}

extension TWSMarketDataSnapshot {
    /// The first warning about market-data permissions (354, 10089, 10167, 10168), in words.
    public var permissionWarning: String? {
        warnings.lazy.compactMap { TWSErrorCode($0).permissionExplanation }.first
    }

    /// The model greeks (ticks 13/83) as domain values; nil when none arrived.
    public var model: TWSModelGreeks? {
        guard let m = modelGreeks else { return nil }
        return TWSModelGreeks(
            greeks: Greeks(
                impliedVolatility: m.impliedVol, delta: m.delta, gamma: m.gamma, theta: m.theta, vega: m.vega),
            underlyingPrice: m.undPrice)
    }
}

// MARK: Domain-typed requests

extension TWSClient {
    /// The conId of an instrument (the first contract-details row), nil when IB knows none.
    public func conId(of instrument: TWSInstrument, timeout: Duration? = nil) async throws -> Int? {
        try await contractDetails(TWSContract(instrument), timeout: timeout).first?.contract.conId
    }

    /// Option chain parameters of a stock underlying.
    public func optionChainParameters(symbol: String, conId: Int) async throws -> [TWSOptionChainParameters] {
        try await secDefOptParams(symbol: symbol, conId: conId).map {
            TWSOptionChainParameters(
                exchange: $0.exchange, tradingClass: $0.tradingClass, multiplier: $0.multiplier,
                expirations: $0.expirations, strikes: $0.strikes)
        }
    }

    /// A snapshot of an instrument, as the `TWSContract` overload takes it.
    public func snapshot(
        _ instrument: TWSInstrument, timeout: Duration = .seconds(11), greeksGrace: Duration = .milliseconds(500),
        expected: Set<TWSMarketDataSnapshot.Field> = [.bid, .ask]
    ) async throws -> TWSMarketDataSnapshot {
        try await snapshot(TWSContract(instrument), timeout: timeout, greeksGrace: greeksGrace, expected: expected)
    }

    /// An option's open interest by subscribe-wait-cancel (generic tick list 101, which snapshots cannot
    /// carry): the call or put figure by the option's right, nil when it did not arrive in `timeout`.
    public func openInterest(_ option: OptionContract, timeout: Duration = .seconds(5)) async throws -> Double? {
        let sample = try await sample(
            TWSContract(.option(option)), genericTicks: TWSGenericTickList.field([.optionOpenInterest]),
            until: [.openInterest], timeout: timeout)
        return option.right == .call ? sample.callOpenInterest : sample.putOpenInterest
    }

    /// The stock's next dividend by subscribe-wait-cancel (generic list 456, which snapshots cannot
    /// carry); nil when none is announced within `timeout`.
    public func nextDividend(_ symbol: String, timeout: Duration = .seconds(5)) async throws -> Dividend? {
        try await sample(
            TWSContract(.stock(symbol)), genericTicks: TWSGenericTickList.field([.dividends]), until: [.dividends],
            timeout: timeout
        ).nextDividend
    }

    /// Daily bars of an instrument as domain bars: IB's `-1` volume (an index, non-TRADES bars) is none,
    /// and a bar whose date does not parse is dropped.
    public func dailyBars(
        _ instrument: TWSInstrument, duration: TWSHistoricalDuration, show: TWSHistoricalShow = .trades
    ) async throws -> [Bar] {
        try await historicalBars(TWSContract(instrument), duration: duration.description, whatToShow: show.rawValue)
            .compactMap { b -> Bar? in
                guard let day = Expiry(String(b.date.prefix(8))) else { return nil }
                let volume = b.volume.map(\.doubleValue).flatMap { $0 >= 0 ? $0 : nil }
                return Bar(day: day, open: b.open, high: b.high, low: b.low, close: b.close, volume: volume)
            }
    }
}
