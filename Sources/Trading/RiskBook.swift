import Foundation
import OptionsModel
import SnapshotStore

/// Greeks of a position or a book in dollars and shares: delta and gamma in shares of the underlying
/// (per $1 move), theta in dollars per calendar day, vega in dollars per volatility point (IB's
/// conventions for the chain's per-share greeks, times contracts and multiplier).
public struct BookGreeks: Sendable, Equatable, Codable {
    /// Shares of the underlying.
    public var delta = 0.0
    /// Shares of delta per $1 move.
    public var gamma = 0.0
    /// Dollars per calendar day.
    public var theta = 0.0
    /// Dollars per volatility point.
    public var vega = 0.0
    /// Delta in SPY shares: delta x beta x spot / SPY's spot.
    public var betaWeightedDelta = 0.0

    /// Zero greeks.
    public init() {}

    /// Greeks from their values.
    public init(delta: Double, gamma: Double, theta: Double, vega: Double, betaWeightedDelta: Double) {
        self.delta = delta
        self.gamma = gamma
        self.theta = theta
        self.vega = vega
        self.betaWeightedDelta = betaWeightedDelta
    }

    static func + (a: BookGreeks, b: BookGreeks) -> BookGreeks {
        BookGreeks(
            delta: a.delta + b.delta, gamma: a.gamma + b.gamma, theta: a.theta + b.theta, vega: a.vega + b.vega,
            betaWeightedDelta: a.betaWeightedDelta + b.betaWeightedDelta)
    }

    /// The greeks of `contracts` (signed: bought positive) of one option with per-share `greeks`,
    /// beta-weighted with `beta` and the two spots (no weighting when SPY's spot is unknown).
    public static func of(
        _ greeks: Greeks, contracts: Double, multiplier: Double, beta: Double, spot: Double?, spySpot: Double?
    ) -> BookGreeks {
        let n = contracts * multiplier
        let delta = (greeks.delta ?? 0) * n
        let weight = spot.flatMap { s in spySpot.map { s / $0 } } ?? 1
        return BookGreeks(
            delta: delta, gamma: (greeks.gamma ?? 0) * n, theta: (greeks.theta ?? 0) * n, vega: (greeks.vega ?? 0) * n,
            betaWeightedDelta: delta * beta * weight)
    }
}

/// One held position in the book.
public struct PositionRisk: Sendable, Equatable, Codable {
    /// The position's journal id.
    public var id: Int64?
    /// The underlying.
    public var symbol: String
    /// "SPY bull put spread 20261218 560/555 x1".
    public var title: String
    /// YYYYMMDD.
    public var expiry: String
    /// Units held.
    public var quantity: Int
    /// The underlying's price in the chain the greeks came from.
    public var spot: Double?
    /// Beta to SPY used for the weighting.
    public var beta: Double
    /// Greeks at the units held.
    public var greeks: BookGreeks
    /// Dollars.
    public var maxLoss: Double
    /// Dollars: the credit kept.
    public var maxProfit: Double
    /// Underlying prices at which the position breaks even at expiry.
    public var breakevens: [Double]
    /// Legs with no greeks in the latest chain (counted as zero).
    public var unpriced: [String]
}

/// The book: each held position's greeks, beta-weighted delta, max loss and profit and breakevens, the
/// totals, and max loss grouped by expiry and by underlying.
public struct RiskBook: Sendable, Equatable, Codable {
    /// Each held option position.
    public var positions: [PositionRisk]
    /// The sum of the positions' greeks.
    public var totals: BookGreeks
    /// Dollars.
    public var maxLoss: Double
    /// Dollars: the credit kept.
    public var maxProfit: Double
    /// Max loss per expiry (YYYYMMDD).
    public var maxLossByExpiry: [String: Double]
    /// Max loss per underlying.
    public var maxLossByUnderlying: [String: Double]

    /// An empty book.
    public init() {
        positions = []
        totals = BookGreeks()
        maxLoss = 0
        maxProfit = 0
        maxLossByExpiry = [:]
        maxLossByUnderlying = [:]
    }

    /// The book of the option positions held (open or closing; shares from an assignment carry no option
    /// risk here), greeks from each symbol's latest chain, betas per symbol (1 when unknown).
    public static func build(positions: [PositionRecord], chains: [String: ChainSnapshot], betas: [String: Double])
        -> RiskBook
    {
        var book = RiskBook()
        let spySpot = chains["SPY"]?.underlyingPrice
        for p in positions where p.status == .open || p.status == .closing {
            let risk = position(p, chain: chains[p.symbol], beta: betas[p.symbol] ?? 1, spySpot: spySpot)
            book.positions.append(risk)
            book.totals = book.totals + risk.greeks
            book.maxLoss += risk.maxLoss
            book.maxProfit += risk.maxProfit
            book.maxLossByExpiry[risk.expiry, default: 0] += risk.maxLoss
            book.maxLossByUnderlying[risk.symbol, default: 0] += risk.maxLoss
        }
        return book
    }

    /// One position's risk against its symbol's chain.
    public static func position(_ p: PositionRecord, chain: ChainSnapshot?, beta: Double, spySpot: Double?)
        -> PositionRisk
    {
        let rows = Dictionary(
            (chain?.options ?? []).map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        let spot = chain?.underlyingPrice
        var greeks = BookGreeks()
        var unpriced: [String] = []
        for leg in p.legs {
            guard let row = rows[leg.contract.key], row.greeks.delta != nil else {
                unpriced.append(leg.contract.description)
                continue
            }
            greeks =
                greeks
                + BookGreeks.of(
                    row.greeks, contracts: leg.action.sign * Double(leg.ratio * p.quantity),
                    multiplier: Double(leg.contract.multiplier), beta: beta, spot: spot, spySpot: spySpot)
        }
        let credit = p.entryCredit ?? 0
        let multiplier = Double(p.legs.first?.contract.multiplier ?? 100)
        let width = structureWidth(p.legs.map { ($0.action, $0.contract.right, $0.contract.strike) })
        return PositionRisk(
            id: p.id, symbol: p.symbol, title: p.title, expiry: p.expiry.yyyymmdd, quantity: p.quantity, spot: spot,
            beta: beta, greeks: greeks, maxLoss: p.maxLoss ?? max(0, width - credit) * multiplier * Double(p.quantity),
            maxProfit: credit * multiplier * Double(p.quantity),
            breakevens: breakevens(p.legs.map { ($0.action, $0.contract.right, $0.contract.strike) }, credit: credit),
            unpriced: unpriced)
    }

    /// Where a credit structure breaks even at expiry: each short put's strike less the credit, each
    /// short call's strike plus it.
    public static func breakevens(_ legs: [(LegAction, OptionRight, Double)], credit: Double) -> [Double] {
        legs.filter { $0.0 == .sell }.map { $0.1 == .put ? $0.2 - credit : $0.2 + credit }.sorted()
    }

    /// The widest side's distance between its strikes (a vertical's width; an iron condor's wider side).
    public static func structureWidth(_ legs: [(LegAction, OptionRight, Double)]) -> Double {
        [OptionRight.put, .call].map { right -> Double in
            let strikes = legs.filter { $0.1 == right }.map(\.2)
            guard let lo = strikes.min(), let hi = strikes.max() else { return 0 }
            return hi - lo
        }.max() ?? 0
    }
}
