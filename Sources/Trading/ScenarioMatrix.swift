import Foundation
import OptionsModel
import SnapshotStore

/// The book's P&L over spot x IV moves at one date.
public struct ScenarioGrid: Sendable, Equatable, Codable {
    /// "now" or "horizon".
    public var label: String
    /// The date the grid prices at.
    public var time: Date
    /// P&L in dollars, `pnl[iv][spot]` over `ScenarioMatrix.ivShifts` x `spotShifts`: the book's
    /// Black-Scholes value in the scenario less its value now with nothing moved.
    public var pnl: [[Double]]
}

/// One position's P&L at expiry against the underlying's price there.
public struct PositionPayoff: Sendable, Equatable, Codable {
    /// The position's journal id.
    public var id: Int64?
    /// The position in words.
    public var title: String
    /// (price at expiry, P&L in dollars including the entry credit).
    public var points: [PayoffPoint]
}

/// One point of a payoff.
public struct PayoffPoint: Sendable, Equatable, Codable {
    /// The underlying's price at expiry.
    public var price: Double
    /// Dollars.
    public var pnl: Double
}

/// The spot x IV scenario matrix of the open book at now and at a horizon, and each position's payoff
/// at expiry.
public struct ScenarioMatrix: Sendable, Equatable, Codable {
    /// Spot moves, fractions (columns).
    public var spotShifts: [Double]
    /// IV moves, volatility points (rows).
    public var ivShifts: [Double]
    /// Now and at the horizon.
    public var grids: [ScenarioGrid]
    /// Each position's payoff at expiry.
    public var payoffs: [PositionPayoff]
    /// Positions or legs left out, and why.
    public var notes: [String]

    /// Prices every held option leg with Black-Scholes from its chain's IV (a missing row takes the
    /// nearest strike's IV), spot moved by the same fraction for every underlying, no dividend yield.
    public static func build(
        positions: [PositionRecord], chains: [String: ChainSnapshot], now: Date, model: RiskModel = RiskModel()
    ) -> ScenarioMatrix {
        var notes: [String] = []
        var legs: [PricedLeg] = []
        var payoffs: [PositionPayoff] = []
        for p in positions where p.status == .open || p.status == .closing {
            guard let spot = chains[p.symbol]?.underlyingPrice else {
                notes.append("\(p.title): no stored chain with a price")
                continue
            }
            var mine: [PricedLeg] = []
            for leg in p.legs {
                guard let iv = RiskModel.impliedVolatility(of: leg.contract, in: chains[p.symbol]) else {
                    notes.append("\(p.title): no implied volatility for \(leg.contract)")
                    continue
                }
                mine.append(
                    PricedLeg(
                        contract: leg.contract, contracts: leg.action.sign * Double(leg.ratio * p.quantity), spot: spot,
                        iv: iv))
            }
            guard mine.count == p.legs.count else { continue }
            legs += mine
            payoffs.append(payoff(p, spot: spot, shifts: stride(from: -0.10, through: 0.1001, by: 0.01).map { $0 }))
        }
        let horizon = now.addingTimeInterval(Double(model.horizonDays) * 86_400)
        let base = value(legs, at: now, spotShift: 0, ivShift: 0, rate: model.riskFreeRate)
        let grids = [("now", now), ("horizon", horizon)].map { label, time in
            ScenarioGrid(
                label: label, time: time,
                pnl: model.ivShifts.map { iv in
                    model.spotShifts.map { s in
                        value(legs, at: time, spotShift: s, ivShift: iv / 100, rate: model.riskFreeRate) - base
                    }
                })
        }
        return ScenarioMatrix(
            spotShifts: model.spotShifts, ivShifts: model.ivShifts, grids: grids, payoffs: payoffs, notes: notes)
    }

    struct PricedLeg {
        var contract: OptionContract
        var contracts: Double
        var spot: Double
        var iv: Double
    }

    /// The legs' Black-Scholes value in dollars (bought legs positive).
    static func value(_ legs: [PricedLeg], at date: Date, spotShift: Double, ivShift: Double, rate: Double) -> Double {
        legs.reduce(0) { total, leg in
            let price = BlackScholes.evaluate(
                right: leg.contract.right, spot: leg.spot * (1 + spotShift), strike: leg.contract.strike,
                time: RiskModel.years(to: leg.contract.expiry, from: date), rate: rate,
                volatility: max(0.01, leg.iv + ivShift)
            ).price
            return total + leg.contracts * Double(leg.contract.multiplier) * price
        }
    }

    /// A position's P&L at expiry: the entry credit less the legs' intrinsic values owed.
    public static func payoff(_ p: PositionRecord, spot: Double, shifts: [Double]) -> PositionPayoff {
        let multiplier = Double(p.legs.first?.contract.multiplier ?? 100)
        let credit = (p.entryCredit ?? 0) * multiplier * Double(p.quantity)
        return PositionPayoff(
            id: p.id, title: p.title,
            points: shifts.map { shift in
                let price = ((spot * (1 + shift)) * 100).rounded() / 100
                let legs = p.legs.reduce(0.0) { total, leg in
                    let k = leg.contract.strike
                    let intrinsic = leg.contract.right == .call ? max(0, price - k) : max(0, k - price)
                    return total
                        + leg.action.sign * Double(leg.ratio * p.quantity) * Double(leg.contract.multiplier) * intrinsic
                }
                return PayoffPoint(price: price, pnl: credit + legs)
            })
    }
}
