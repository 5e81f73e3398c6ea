import Foundation
import OptionsModel
import Synchronization
import TWSWire

/// Expiry as OCC and IB handle it for options on shares and ETFs: after the expiry day's close every
/// option held leaves the account; one at least a cent in the money is exercised (held long) or
/// assigned (held short) into 100 shares per contract at its strike (exercise by exception), the rest
/// expire worthless. Like IB, no execution is reported for it: positions and cash show it.
extension PaperAccount {
    /// Settles what expired by `date` (a read of positions or values must not see an expired option).
    func settleExpiries(at date: Date) {
        state.withLock { s in _ = settleExpired(&s, at: date) }
    }

    /// Settles every option whose expiry close has passed at `date`; returns the conIds that changed.
    @discardableResult
    func settleExpired(_ s: inout State, at date: Date) -> [Int] {
        var changed: [Int] = []
        for conId in s.holdings.keys.sorted() {
            guard let h = s.holdings[conId], h.contract.secType == TWSSecurityType.option.rawValue,
                let expiry = Expiry(h.contract.lastTradeDateOrContractMonth), let strike = h.contract.strike,
                let right = OptionRight(code: h.contract.right),
                let closeMinute = market.calendar.closeMinute(on: expiry)
            else { continue }
            let close = market.calendar.date(expiry, minute: closeMinute, second: 0)
            guard date >= close, let underlying = market.price(h.contract.symbol, at: close) else { continue }
            let multiplier = Double(h.contract.multiplier) ?? 100
            // The option leaves at zero: its premium is realized against its cost.
            let realized = apply(
                &s, conId: conId, contract: h.contract, quantity: -h.quantity, price: 0, multiplier: multiplier)
            if let realized { s.realizedByConId[conId, default: 0] += realized }
            changed.append(conId)
            let intrinsic = right == .call ? underlying - strike : strike - underlying
            guard intrinsic >= 0.01 - 1e-9, let profile = market.profile(h.contract.symbol) else { continue }
            // A call delivers shares to its holder, a put takes them: a short put assigned buys.
            let shares = (right == .call ? 1 : -1) * h.quantity * multiplier
            let stock = SimulatorContracts.stock(profile)
            let stockRealized = apply(
                &s, conId: profile.conId, contract: stock, quantity: shares, price: strike, multiplier: 1)
            if let stockRealized { s.realizedByConId[profile.conId, default: 0] += stockRealized }
            s.cash -= shares * strike
            changed.append(profile.conId)
        }
        return changed
    }
}
