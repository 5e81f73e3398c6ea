import Foundation
import OptionsModel
import Synchronization
import TWSWire

extension PaperAccount {
    /// reqPnL / reqPnLSingle figures at `date`. The simulated account keeps no overnight ledger, so
    /// daily P&L is everything since the account started: unrealized plus realized.
    func pnl(conId: Int?, at date: Date) -> SimPnL {
        let (holdings, realizedTotal, realizedBy) = state.withLock { s in
            (s.holdings, s.realized, s.realizedByConId)
        }
        guard let conId else {
            let unrealized = holdings.reduce(0.0) { total, item in
                let multiplier = Double(item.value.contract.multiplier) ?? 1
                return total + mark(item.value, at: date) * multiplier * item.value.quantity
                    - item.value.averageCost * item.value.quantity
            }
            return SimPnL(
                position: 0, daily: unrealized + realizedTotal, unrealized: unrealized, realized: realizedTotal)
        }
        let realized = realizedBy[conId] ?? 0
        guard let h = holdings[conId] else {
            return SimPnL(position: 0, daily: realized, unrealized: 0, realized: realized, value: 0)
        }
        let multiplier = Double(h.contract.multiplier) ?? 1
        let value = mark(h, at: date) * multiplier * h.quantity
        let unrealized = value - h.averageCost * h.quantity
        return SimPnL(
            position: h.quantity, daily: unrealized + realized, unrealized: unrealized, realized: realized,
            value: value)
    }

    /// Exercises `quantity` held long options (ETF options settle in shares at the strike, the premium
    /// paid moving into the shares' cost), or lets them lapse (the premium is realized as a loss).
    func exercise(conId: Int, quantity: Double, lapse: Bool, at date: Date) -> Result<[Int], SimRefusal> {
        guard let option = market.option(conId: conId), let underlying = market.profile(option.symbol),
            let stock = resolve(conId: underlying.conId)
        else { return .failure(SimRefusal(reason: "not an option of a simulated underlying")) }
        return state.withLock { s -> Result<[Int], SimRefusal> in
            guard let held = s.holdings[conId], held.quantity >= quantity, quantity > 0 else {
                return .failure(SimRefusal(reason: "no long position of \(Int(quantity)) to exercise"))
            }
            let premiumPerShare = held.averageCost / 100
            _ = apply(
                &s, conId: conId, contract: held.contract, quantity: -quantity, price: premiumPerShare, multiplier: 100)
            if lapse {
                s.realized -= held.averageCost * quantity
                s.realizedByConId[conId, default: 0] -= held.averageCost * quantity
            } else {
                let shares = 100 * quantity * (option.right == .call ? 1 : -1)
                let price = option.right == .call ? option.strike + premiumPerShare : option.strike - premiumPerShare
                s.cash -= shares * option.strike
                let realized = apply(
                    &s, conId: underlying.conId, contract: stock, quantity: shares, price: price, multiplier: 1)
                if let realized { s.realizedByConId[underlying.conId, default: 0] += realized }
            }
            let events: [SimAccountEvent] = [.positionChanged(conId: conId), .positionChanged(conId: underlying.conId)]
            for client in s.outboxes.keys { s.outboxes[client, default: []] += events }
            return .success([conId, underlying.conId])
        }
    }
}
