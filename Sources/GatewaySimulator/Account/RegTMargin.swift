import Foundation
import OptionsModel

/// Reg-T margin as IB computes it for a US margin account, on the positions the simulator holds.
///
/// - Stock: initial 50 % of the market value, maintenance 25 % (long) or 30 % (short).
/// - Options of one underlying and expiry are margined together by their worst payoff at expiry:
///   a vertical costs its strike width x 100 (x quantity), an iron condor only its wider side, long
///   options nothing (they are paid in full). Short options whose loss is unbounded (net short calls),
///   or whose naked requirement is smaller than the structure's worst loss, are charged IB's naked rule:
///   premium + 20 % of the underlying less the out-of-the-money amount, at least premium + 10 % of the
///   underlying (calls) or of the strike (puts). Options have no separate maintenance figure.
enum RegTMargin {
    /// One position as the margin rule sees it.
    struct Position: Sendable, Equatable {
        var symbol: String
        /// nil for stock.
        var option: OptionContract?
        /// Signed quantity (contracts or shares).
        var quantity: Double
        var multiplier: Double
        /// Mark per share (mid).
        var mark: Double
        /// The underlying's price.
        var underlying: Double
    }

    /// Initial and maintenance requirement of a set of positions, in dollars.
    struct Requirement: Sendable, Equatable {
        var initial: Double
        var maintenance: Double

        static let zero = Requirement(initial: 0, maintenance: 0)

        static func + (a: Requirement, b: Requirement) -> Requirement {
            Requirement(initial: a.initial + b.initial, maintenance: a.maintenance + b.maintenance)
        }
    }

    /// The requirement of everything held.
    static func requirement(_ positions: [Position]) -> Requirement {
        var total = Requirement.zero
        var groups: [String: [Position]] = [:]
        for p in positions {
            guard let option = p.option else {
                let value = abs(p.quantity) * p.multiplier * p.mark
                total = total + Requirement(initial: 0.5 * value, maintenance: (p.quantity > 0 ? 0.25 : 0.30) * value)
                continue
            }
            groups["\(p.symbol)|\(option.expiry.yyyymmdd)", default: []].append(p)
        }
        for key in groups.keys.sorted() {
            guard let group = groups[key] else { continue }
            let margin = optionGroup(group)
            total = total + Requirement(initial: margin, maintenance: margin)
        }
        return total
    }

    /// The margin of options on one underlying and expiry.
    static func optionGroup(_ group: [Position]) -> Double {
        let naked = group.reduce(0.0) { $0 + nakedRequirement($1) }
        guard naked > 0 else { return 0 }
        guard let worst = worstLoss(group) else { return naked }
        return min(worst, naked)
    }

    /// The largest loss at expiry of the options' intrinsic values (premiums aside), nil when unbounded.
    static func worstLoss(_ group: [Position]) -> Double? {
        let callSlope = group.reduce(0.0) { total, p in
            p.option?.right == .call ? total + p.quantity * p.multiplier : total
        }
        if callSlope < -1e-9 { return nil }
        let strikes = group.compactMap { $0.option?.strike }
        var prices = [0.0] + strikes
        prices.append((strikes.max() ?? 0) * 2 + 1)
        var worst = 0.0
        for s in prices {
            let payoff = group.reduce(0.0) { total, p in
                guard let o = p.option else { return total }
                let intrinsic = o.right == .call ? max(0, s - o.strike) : max(0, o.strike - s)
                return total + p.quantity * p.multiplier * intrinsic
            }
            worst = min(worst, payoff)
        }
        return -worst
    }

    /// IB's Reg-T requirement of one short option held alone (0 for long options).
    static func nakedRequirement(_ p: Position) -> Double {
        guard let o = p.option, p.quantity < 0 else { return 0 }
        let outOfTheMoney = o.right == .call ? max(0, o.strike - p.underlying) : max(0, p.underlying - o.strike)
        let floorBase = o.right == .call ? p.underlying : o.strike
        let perShare = p.mark + max(0.20 * p.underlying - outOfTheMoney, 0.10 * floorBase)
        return perShare * p.multiplier * abs(p.quantity)
    }
}
