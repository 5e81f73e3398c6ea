import Foundation
import OptionsModel

/// How the book is priced for scenarios and odds (the `risk:` configuration maps into it).
public struct RiskModel: Sendable, Equatable {
    /// Spot moves of every underlying together, as fractions (-0.10 = 10 % down).
    public var spotShifts: [Double] = [-0.10, -0.075, -0.05, -0.025, 0, 0.025, 0.05, 0.075, 0.10]
    /// Implied volatility moves in volatility points, added to every leg's IV.
    public var ivShifts: [Double] = [-5, 0, 5, 10]
    /// Calendar days from now to the second scenario date (capped at each leg's expiry).
    public var horizonDays = 7
    /// Black-Scholes rate (the simulator's too).
    public var riskFreeRate = 0.04
    /// Daily closes behind each beta to SPY.
    public var betaLookbackDays = 60

    /// The defaults.
    public init() {}

    /// Years from `date` to the expiry day's close, at least zero.
    public static func years(to expiry: Expiry, from date: Date, calendar: MarketCalendar = MarketCalendar()) -> Double
    {
        let close = calendar.date(expiry, minute: calendar.closeMinute(on: expiry) ?? MarketCalendar.closeMinute)
        return max(0, close.timeIntervalSince(date)) / (365 * 86_400)
    }

    /// A leg's implied volatility: its own row's, else the nearest strike's of the same expiry and right.
    public static func impliedVolatility(of contract: OptionContract, in chain: ChainSnapshot?) -> Double? {
        guard let chain else { return nil }
        let same = chain.options.filter {
            $0.contract.expiry == contract.expiry && $0.contract.right == contract.right
                && ($0.greeks.impliedVolatility ?? 0) > 0
        }
        return same.min { abs($0.contract.strike - contract.strike) < abs($1.contract.strike - contract.strike) }?
            .greeks.impliedVolatility
    }
}
