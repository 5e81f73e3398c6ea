import Foundation

/// Black-Scholes-Merton prices and greeks for European options with a continuous dividend yield.
/// Greeks are per share; vega is per 1.00 of volatility (divide by 100 for IB's per-point vega),
/// theta per year (divide by 365 for per calendar day).
public enum BlackScholes {
    /// Price and greeks of one option.
    public struct Result: Sendable, Equatable {
        public var price: Double
        public var delta: Double
        public var gamma: Double
        /// Per 1.00 change of volatility.
        public var vega: Double
        /// Per year.
        public var theta: Double
        public var rho: Double

        /// Vega per volatility point (IB's convention).
        public var vegaPerPoint: Double { vega / 100 }
        /// Theta per calendar day (IB's convention).
        public var thetaPerDay: Double { theta / 365 }
    }

    /// Standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.squareRoot()) }

    /// Standard normal density.
    public static func normalPDF(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// Price and greeks. `time` in years; at or past expiry the intrinsic value with a step delta.
    public static func evaluate(
        right: OptionRight, spot s: Double, strike k: Double, time t: Double, rate r: Double,
        dividendYield q: Double = 0, volatility sigma: Double
    ) -> Result {
        guard t > 0, sigma > 0, s > 0, k > 0 else {
            let intrinsic = right == .call ? max(0, s - k) : max(0, k - s)
            let delta: Double = right == .call ? (s > k ? 1 : 0) : (s < k ? -1 : 0)
            return Result(price: intrinsic, delta: delta, gamma: 0, vega: 0, theta: 0, rho: 0)
        }
        let sqrtT = t.squareRoot()
        let d1 = (log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / (sigma * sqrtT)
        let d2 = d1 - sigma * sqrtT
        let discQ = exp(-q * t), discR = exp(-r * t)
        let pdf = normalPDF(d1)
        let gamma = discQ * pdf / (s * sigma * sqrtT)
        let vega = s * discQ * pdf * sqrtT
        switch right {
        case .call:
            let price = s * discQ * normalCDF(d1) - k * discR * normalCDF(d2)
            let theta =
                -s * discQ * pdf * sigma / (2 * sqrtT) - r * k * discR * normalCDF(d2) + q * s * discQ * normalCDF(d1)
            return Result(
                price: price, delta: discQ * normalCDF(d1), gamma: gamma, vega: vega, theta: theta,
                rho: k * t * discR * normalCDF(d2))
        case .put:
            let price = k * discR * normalCDF(-d2) - s * discQ * normalCDF(-d1)
            let theta =
                -s * discQ * pdf * sigma / (2 * sqrtT) + r * k * discR * normalCDF(-d2) - q * s * discQ * normalCDF(-d1)
            return Result(
                price: price, delta: -discQ * normalCDF(-d1), gamma: gamma, vega: vega, theta: theta,
                rho: -k * t * discR * normalCDF(-d2))
        }
    }

    /// The volatility that reproduces `price`, or nil when none does (below intrinsic, above the
    /// no-arbitrage bound, or no convergence). Newton steps with a bisection fallback on [1e-4, 5].
    public static func impliedVolatility(
        price: Double, right: OptionRight, spot s: Double, strike k: Double, time t: Double, rate r: Double,
        dividendYield q: Double = 0
    ) -> Double? {
        guard t > 0, s > 0, k > 0, price.isFinite else { return nil }
        let lower =
            right == .call ? max(0, s * exp(-q * t) - k * exp(-r * t)) : max(0, k * exp(-r * t) - s * exp(-q * t))
        let upper = right == .call ? s * exp(-q * t) : k * exp(-r * t)
        guard price > lower + 1e-12, price < upper else { return nil }
        var lo = 1e-4, hi = 5.0
        var sigma = 0.3
        for _ in 0..<100 {
            let result = evaluate(
                right: right, spot: s, strike: k, time: t, rate: r, dividendYield: q, volatility: sigma)
            let diff = result.price - price
            if abs(diff) < 1e-10 { return sigma }
            if diff > 0 { hi = sigma } else { lo = sigma }
            var next = result.vega > 1e-10 ? sigma - diff / result.vega : (lo + hi) / 2
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            sigma = next
            if hi - lo < 1e-12 { return sigma }
        }
        return abs(
            evaluate(right: right, spot: s, strike: k, time: t, rate: r, dividendYield: q, volatility: sigma).price
                - price) < 1e-6
            ? sigma : nil
    }
}
