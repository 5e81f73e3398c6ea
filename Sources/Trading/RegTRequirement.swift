import OptionsModel
import SnapshotStore

/// Reg-T initial margin of defined-risk option structures as IB charges it, computed here so the
/// trader can check margin without a venue: options of one underlying and expiry are margined by their
/// worst payoff at expiry (a vertical its strike width x 100, an iron condor only its wider side);
/// long options are paid in full and need none.
public enum RegTRequirement {
    /// The requirement in dollars of signed `contracts` (bought positive) of each option; nil when a
    /// group's loss is unbounded (net short calls), which the trader never opens.
    public static func initial(_ legs: [(contract: OptionContract, contracts: Double)]) -> Double? {
        var groups: [String: [(contract: OptionContract, contracts: Double)]] = [:]
        for leg in legs { groups["\(leg.contract.symbol)|\(leg.contract.expiry.yyyymmdd)", default: []].append(leg) }
        var total = 0.0
        for key in groups.keys.sorted() {
            guard let group = groups[key] else { continue }
            let callSlope = group.filter { $0.contract.right == .call }.reduce(0.0) {
                $0 + $1.contracts * Double($1.contract.multiplier)
            }
            if callSlope < -1e-9 { return nil }
            let strikes = group.map(\.contract.strike)
            var worst = 0.0
            for s in [0] + strikes {
                let payoff = group.reduce(0.0) { total, leg in
                    let k = leg.contract.strike
                    let intrinsic = leg.contract.right == .call ? max(0, s - k) : max(0, k - s)
                    return total + leg.contracts * Double(leg.contract.multiplier) * intrinsic
                }
                worst = min(worst, payoff)
            }
            total += -worst
        }
        return total
    }

    /// The requirement of a position's legs at its quantity.
    public static func initial(of position: PositionRecord) -> Double? {
        initial(position.legs.map { ($0.contract, $0.action.sign * Double($0.ratio * position.quantity)) })
    }
}
