import Foundation
import OptionsModel
import SnapshotStore

/// The odds of a candidate entry, from its chain's implied volatility, stored with the decision.
///
/// Method (README "Risk book"): the underlying at expiry is lognormal under the risk-neutral measure
/// with the short strike's IV on each side, so P(S_T > B) = N(d2) with
/// d2 = (ln(S/B) + (r - sigma^2/2) T) / (sigma sqrt T). Probability of profit is the chance of expiring
/// on the right side of the breakeven(s): N(d2) for a bull put spread, N(-d2) for a bear call spread,
/// their difference for an iron condor. The chance of touching a short strike before expiry is taken
/// as twice the chance of expiring beyond it (the reflection principle for a driftless walk), summed
/// over the short strikes and capped at 1. The expected move is the at-the-money straddle's mid.
public struct CandidateOdds: Sendable, Equatable, Codable {
    /// Probability of profit at expiry, 0...1.
    public var pop: Double
    /// Probability of touching a short strike before expiry, 0...1.
    public var touch: Double
    /// The at-the-money straddle's mid in dollars per share; nil when the chain has no such pair.
    public var expectedMove: Double?
    /// Credit / max loss (both per unit).
    public var creditToMaxLoss: Double
    /// The largest absolute delta of a short leg.
    public var shortDelta: Double
    /// IV rank when the decision was taken.
    public var ivRank: Double
    /// The underlying's price.
    public var spot: Double
    /// Years to the expiry close.
    public var years: Double

    /// "POP 71%, touch 55%, expected move 12.40, credit/max loss 0.33".
    public var words: String {
        String(
            format: "POP %.0f%%, touch %.0f%%, expected move %@, credit/max loss %.2f", pop * 100, touch * 100,
            expectedMove.map { String(format: "%.2f", $0) } ?? "-", creditToMaxLoss)
    }

    /// P(S_T > level) under the lognormal model.
    public static func probabilityAbove(_ level: Double, spot: Double, sigma: Double, years t: Double, rate r: Double)
        -> Double
    {
        guard level > 0, spot > 0 else { return level <= 0 ? 1 : 0 }
        guard t > 0, sigma > 0 else { return spot > level ? 1 : 0 }
        let d2 = (log(spot / level) + (r - sigma * sigma / 2) * t) / (sigma * t.squareRoot())
        return BlackScholes.normalCDF(d2)
    }

    /// The odds of `candidate` at `spot` with `chain`'s IVs and straddle, `now`.
    public static func evaluate(
        _ candidate: TradeCandidate, spot: Double, chain: ChainSnapshot, ivRank: Double, now: Date, rate: Double
    ) -> CandidateOdds {
        let t = RiskModel.years(to: candidate.expiry, from: now)
        var pAbove: [OptionRight: Double] = [:]
        var touch = 0.0
        for leg in candidate.legs where leg.action == .sell {
            let c = leg.option.contract
            let sigma =
                leg.option.greeks.impliedVolatility ?? RiskModel.impliedVolatility(of: c, in: chain) ?? 0
            let breakeven = c.right == .put ? c.strike - candidate.credit : c.strike + candidate.credit
            pAbove[c.right] = probabilityAbove(breakeven, spot: spot, sigma: sigma, years: t, rate: rate)
            let aboveStrike = probabilityAbove(c.strike, spot: spot, sigma: sigma, years: t, rate: rate)
            touch += 2 * (c.right == .put ? 1 - aboveStrike : aboveStrike)
        }
        // Profit between the put side's breakeven (above it) and the call side's (below it).
        let pop = max(0, min(1, (pAbove[.put] ?? 1) - (pAbove[.call] ?? 0)))
        let maxLossPerUnit = max(1e-9, candidate.width - candidate.credit)
        return CandidateOdds(
            pop: pop, touch: min(1, touch), expectedMove: straddle(chain, expiry: candidate.expiry, spot: spot),
            creditToMaxLoss: candidate.credit / maxLossPerUnit,
            shortDelta: candidate.legs.filter { $0.action == .sell }.map { abs($0.option.greeks.delta ?? 0) }.max()
                ?? 0,
            ivRank: ivRank, spot: spot, years: t)
    }

    /// The mid of the call and put at the strike nearest `spot` in `expiry` that has both.
    public static func straddle(_ chain: ChainSnapshot, expiry: Expiry, spot: Double) -> Double? {
        var calls: [Double: Double] = [:]
        var puts: [Double: Double] = [:]
        for o in chain.options where o.contract.expiry == expiry {
            guard let mid = o.quote.mid else { continue }
            if o.contract.right == .call { calls[o.contract.strike] = mid } else { puts[o.contract.strike] = mid }
        }
        let strike = calls.keys.filter { puts[$0] != nil }.min { abs($0 - spot) < abs($1 - spot) }
        return strike.flatMap { k in calls[k].flatMap { c in puts[k].map { c + $0 } } }
    }
}
