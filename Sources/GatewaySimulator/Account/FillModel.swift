import Foundation

/// Where between mid and natural a resting limit order fills, as a market maker would take it: a
/// narrow one-lot spread close to mid, a wide or large one nearer the natural price, and any order a
/// little closer to mid the longer it rests.
enum FillModel {
    /// Simulated seconds of resting after which the concession stops shrinking.
    static let patience: TimeInterval = 600

    /// The fraction of the way from mid to natural a limit must concede to fill now: 0.30 for a
    /// one-lot with no spread, up to 1 (the natural price) for a dollar-wide half-spread or a hundred
    /// lots; resting shrinks it linearly to 40 % of that over `patience`.
    static func concession(halfSpread: Double, quantity: Double, resting: TimeInterval) -> Double {
        let width = min(1, max(0, halfSpread) / 0.50)
        let size = min(1, log10(max(1, quantity)) / 2)
        let base = min(1, 0.30 + 0.45 * width + 0.25 * size)
        let decay = 1 - 0.6 * min(1, max(0, resting) / patience)
        return base * decay
    }

    /// The worst price (per unit of the structure) the market accepts now for the order's side:
    /// mid + concession x (natural - mid).
    static func acceptablePrice(natural: Double, mid: Double, quantity: Double, resting: TimeInterval) -> Double {
        let f = concession(halfSpread: abs(natural - mid), quantity: quantity, resting: resting)
        return mid + f * (natural - mid)
    }

    /// Per-leg prices on the cent for a structure filled at `price`: each leg gives up the same share of
    /// its own half-spread, and the last leg absorbs the rounding so the legs add up to `price`.
    /// `legs` are (signed ratio, natural, mid) per leg.
    static func legPrices(
        _ legs: [(ratio: Double, natural: Double, mid: Double)], natural: Double, mid: Double, price: Double
    )
        -> [Double]
    {
        let g = abs(natural - mid) > 1e-9 ? (natural - price) / (natural - mid) : 0
        var prices = legs.map { ($0.natural + g * ($0.mid - $0.natural)).rounded(toPlaces: 2) }
        guard let last = legs.indices.last else { return prices }
        let sum = zip(legs, prices).reduce(0.0) { $0 + ($1.0.ratio > 0 ? 1 : -1) * abs($1.0.ratio) * $1.1 }
        let residual = price - sum
        let lastRatio = (legs[last].ratio > 0 ? 1.0 : -1.0) * abs(legs[last].ratio)
        if abs(residual) > 1e-9, lastRatio != 0 {
            prices[last] = max(0, (prices[last] + residual / lastRatio).rounded(toPlaces: 2))
        }
        return prices
    }
}
