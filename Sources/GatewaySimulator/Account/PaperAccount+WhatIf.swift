import Foundation
import OptionsModel
import TWSWire

extension PaperAccount {
    /// A what-if order (`whatIf=true`): nothing is placed and nothing changes; one openOrder comes back
    /// whose order state holds the Reg-T margin and equity with loan before, the change and after, and
    /// the commission, as IB previews an order. Margins are IB's text (two decimals), never empty.
    func whatIf(orderId: Int, clientId: Int, contract: TWSContract, order: TWSOrder, at date: Date)
        -> [SimAccountEvent]
    {
        if let reason = reject(contract: contract, order: order) {
            return [
                .error(
                    orderId: orderId, code: TWSErrorCode.orderRejected.rawValue,
                    message: "Order rejected - reason:\(reason)")
            ]
        }
        let legs = self.legs(of: contract)
        let quantity = order.totalQuantity?.doubleValue ?? 0
        let buying = order.action == TWSAction.buy.rawValue
        var cashChange = 0.0
        var extra: [RegTMargin.Position] = []
        var natural = 0.0
        var legPrices: [(TWSContract, Int, Double, Double)] = []
        for leg in legs {
            guard let q = quote(leg.contract, at: date) else { continue }
            let legBuys = (leg.ratio > 0) == buying
            let price = legBuys ? q.ask : q.bid
            natural += (leg.ratio > 0 ? 1 : -1) * abs(leg.ratio) * price
            let signed = (leg.ratio > 0 ? 1 : -1) * (buying ? 1.0 : -1.0) * abs(leg.ratio) * quantity
            legPrices.append((leg.contract, leg.conId, signed, price))
        }
        // A limit that does not cross is previewed at its limit, as IB does.
        let scale =
            order.orderType == TWSOrderType.limit.rawValue && order.lmtPrice != nil && abs(natural) > 1e-9
            ? (order.lmtPrice ?? natural) / natural : 1
        for (legContract, conId, signed, price) in legPrices {
            let multiplier = Double(legContract.multiplier) ?? 1
            cashChange -= signed * price * scale * multiplier
            extra.append(marginPosition(legContract, conId: conId, quantity: signed, at: date))
        }
        let commission = Self.commission(legs: legs.map { ($0.contract, abs($0.ratio) * quantity) })
        cashChange -= commission
        let before = figures(at: date)
        let after = figures(at: date, cashChange: cashChange, extra: extra)

        var working = order
        working.orderId = orderId
        working.clientId = clientId
        working.whatIf = true
        if working.account.isEmpty { working.account = accounts[0] }
        var open = TWSOpenOrder()
        open.orderId = orderId
        open.contract = contract
        open.order = working
        var s = TWSOrderState()
        s.status = TWSOrderStatusValue.preSubmitted.rawValue
        s.initMarginBefore = Self.amount(before.margin.initial)
        s.maintMarginBefore = Self.amount(before.margin.maintenance)
        s.equityWithLoanBefore = Self.amount(before.equityWithLoan)
        s.initMarginChange = Self.amount(after.margin.initial - before.margin.initial)
        s.maintMarginChange = Self.amount(after.margin.maintenance - before.margin.maintenance)
        s.equityWithLoanChange = Self.amount(after.equityWithLoan - before.equityWithLoan)
        s.initMarginAfter = Self.amount(after.margin.initial)
        s.maintMarginAfter = Self.amount(after.margin.maintenance)
        s.equityWithLoanAfter = Self.amount(after.equityWithLoan)
        s.commissionAndFees = commission
        s.minCommissionAndFees = commission
        s.maxCommissionAndFees = commission
        s.commissionAndFeesCurrency = "USD"
        s.marginCurrency = "USD"
        s.initMarginBeforeOutsideRTH = before.margin.initial
        s.maintMarginBeforeOutsideRTH = before.margin.maintenance
        s.equityWithLoanBeforeOutsideRTH = before.equityWithLoan
        s.initMarginChangeOutsideRTH = after.margin.initial - before.margin.initial
        s.maintMarginChangeOutsideRTH = after.margin.maintenance - before.margin.maintenance
        s.equityWithLoanChangeOutsideRTH = after.equityWithLoan - before.equityWithLoan
        s.initMarginAfterOutsideRTH = after.margin.initial
        s.maintMarginAfterOutsideRTH = after.margin.maintenance
        s.equityWithLoanAfterOutsideRTH = after.equityWithLoan
        open.orderState = s
        return [.openOrder(open)]
    }
}
