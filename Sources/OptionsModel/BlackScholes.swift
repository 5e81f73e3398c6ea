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

    /// The inverse of the standard normal CDF (Acklam's rational approximation, relative error
    /// below 1.2e-9): the z with normalCDF(z) == p, for 0 < p < 1.
    public static func inverseNormalCDF(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let p = min(max(p, 1e-300), 1 - 1e-16)
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -inverseNormalCDF(1 - p) }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

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
