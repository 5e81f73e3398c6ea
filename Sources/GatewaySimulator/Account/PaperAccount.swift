import Foundation
import OptionsModel
import Synchronization
import TWSWire

/// The simulated paper account: order ids, order states (PreSubmitted -> Submitted -> Filled /
/// Cancelled), fills when a limit crosses the simulated market during regular trading hours,
/// executions with commissions, positions with average cost, and account values marked to market.
final class PaperAccount: SimAccountPort, Sendable {
    let accounts: [String]
    let market: SimulatedMarket
    let state: Mutex<State>
    /// Cash at the start (IB paper accounts usually hold $1,000,000; the simulator defaults to $100,000).
    let startingCash: Double
    static let defaultStartingCash = 100_000.0
    /// IBKR Pro fixed pricing: $0.65 per option contract, $0.005 per share, at least $1 per order,
    /// stock at most 1 % of the trade value.
    static let commissionPerContract = 0.65
    static let commissionPerShare = 0.005
    static let minimumCommission = 1.0

    /// IB keys orders by the placing client and its order id: two clients may both use id 1.
    struct OrderKey: Hashable, Comparable, Sendable {
        var clientId: Int
        var orderId: Int

        static func < (a: OrderKey, b: OrderKey) -> Bool {
            (a.orderId, a.clientId) < (b.orderId, b.clientId)
        }
    }

    struct WorkingOrder {
        var key: OrderKey { OrderKey(clientId: clientId, orderId: orderId) }
        var orderId: Int
        var clientId: Int
        var permId: Int
        var contract: TWSContract
        var order: TWSOrder
        var status: String
        var filled: Double = 0
        var avgFillPrice: Double = 0
        var stuck = false
        /// Simulated time of the first submission (a resting order's patience; re-pricing keeps it).
        var submittedAt = Date.distantPast
    }

    struct Holding {
        var contract: TWSContract
        var quantity: Double
        var averageCost: Double
    }

    struct State {
        var nextOrderId = 1
        var nextPermId = 900_000_001
        var nextExecSeq = 1
        var orders: [OrderKey: WorkingOrder] = [:]
        var completed: [WorkingOrder] = []
        var executions: [(TWSExecDetails, TWSCommissionAndFeesReport)] = []
        var holdings: [Int: Holding] = [:]
        var cash: Double
        var realized = 0.0
        /// Realized P&L per instrument (reqPnLSingle).
        var realizedByConId: [Int: Double] = [:]
        var stickAll = false
        var usedIds: Set<OrderKey> = []
        /// Connected API clients and the account events waiting for each (order events for the owner
        /// and the master client, position changes for everyone).
        var outboxes: [Int: [SimAccountEvent]] = [:]
        /// Every new order accepted, in order (modifications of a live order are not new orders).
        var accepted: [(orderId: Int, orderRef: String)] = []
    }

    /// The master API client id (sees every client's orders and executions), nil for none.
    let masterClientId: Int?

    init(
        accounts: [String], market: SimulatedMarket, startingCash: Double = PaperAccount.defaultStartingCash,
        masterClientId: Int? = nil
    ) {
        self.accounts = accounts.isEmpty ? ["DU1234567"] : accounts
        self.market = market
        self.masterClientId = masterClientId
        self.startingCash = startingCash
        self.state = Mutex(State(cash: startingCash))
    }

    func nextOrderId() -> Int { state.withLock { $0.nextOrderId } }

    func stickInPreSubmitted(_ orderId: Int?) {
        state.withLock { s in
            if let orderId {
                for key in s.orders.keys where key.orderId == orderId { s.orders[key]?.stuck = true }
            } else {
                s.stickAll = true
            }
        }
    }

    /// Ends `stickInPreSubmitted(nil)` for new orders; orders already stuck stay stuck until cancelled.
    func acceptNewOrdersNormally() {
        state.withLock { $0.stickAll = false }
    }

    // MARK: Orders

    func place(orderId: Int, clientId: Int, contract: TWSContract, order: TWSOrder, at date: Date) -> [SimAccountEvent]
    {
        state.withLock { s -> [SimAccountEvent] in
            let key = OrderKey(clientId: clientId, orderId: orderId)
            if var existing = s.orders[key] {
                // A placeOrder with a live order's id (from the same client) modifies it (price, quantity).
                existing.order.lmtPrice = order.lmtPrice
                existing.order.totalQuantity = order.totalQuantity ?? existing.order.totalQuantity
                s.orders[key] = existing
                let events =
                    [.openOrder(openOrder(existing)), .orderStatus(status(existing))]
                    + fillIfCrossing(&s, key, at: date)
                return route(&s, events, owner: clientId, includeOwner: false)
            }
            guard !s.usedIds.contains(key) else {
                return [
                    .error(
                        orderId: orderId, code: TWSErrorCode.duplicateOrderId.rawValue, message: "Duplicate order id")
                ]
            }
            if let reason = reject(contract: contract, order: order) {
                s.usedIds.insert(key)
                return [
                    .error(
                        orderId: orderId, code: TWSErrorCode.orderRejected.rawValue,
                        message: "Order rejected - reason:\(reason)"
                    )
                ]
            }
            s.usedIds.insert(key)
            s.accepted.append((orderId, order.orderRef))
            s.nextOrderId = max(s.nextOrderId, orderId + 1)
            var working = WorkingOrder(
                orderId: orderId, clientId: clientId, permId: s.nextPermId, contract: contract, order: order,
                status: TWSOrderStatusValue.preSubmitted.rawValue)
            working.submittedAt = date
            working.order.orderId = orderId
            working.order.clientId = clientId
            working.order.permId = s.nextPermId
            if working.order.account.isEmpty { working.order.account = accounts[0] }
            working.stuck = s.stickAll
            s.nextPermId += 1
            s.orders[key] = working
            var events: [SimAccountEvent] = [.openOrder(openOrder(working)), .orderStatus(status(working))]
            if !working.stuck {
                working.status = TWSOrderStatusValue.submitted.rawValue
                s.orders[key] = working
                events += [.openOrder(openOrder(working)), .orderStatus(status(working))]
                events += fillIfCrossing(&s, key, at: date)
            }
            return route(&s, events, owner: clientId, includeOwner: false)
        }
    }

    /// Why an order is refused (IB's 201 reasons), nil when acceptable.
    func reject(contract: TWSContract, order: TWSOrder) -> String? {
        guard order.action == TWSAction.buy.rawValue || order.action == TWSAction.sell.rawValue else {
            return "invalid action '\(order.action)'"
        }
        guard let quantity = order.totalQuantity?.doubleValue, quantity > 0 else {
            return "order quantity must be positive"
        }
        guard order.orderType == TWSOrderType.limit.rawValue || order.orderType == TWSOrderType.market.rawValue else {
            return "order type \(order.orderType) is not simulated (LMT, MKT)"
        }
        if order.orderType == TWSOrderType.limit.rawValue && order.lmtPrice == nil { return "limit price missing" }
        if !order.account.isEmpty && !accounts.contains(order.account) {
            return "account \(order.account) is not managed by this login"
        }
        if contract.secType == TWSSecurityType.combo.rawValue {
            guard !contract.comboLegs.isEmpty else { return "combo has no legs" }
            for leg in contract.comboLegs
            where market.option(conId: leg.conId) == nil && leg.conId != market.profile(contract.symbol)?.conId {
                return "unknown combo leg conId \(leg.conId)"
            }
        } else if legs(of: contract).isEmpty {
            return "no security definition for \(contract.symbol) \(contract.secType)"
        }
        return nil
    }

    func cancel(orderId: Int, clientId: Int, at date: Date) -> [SimAccountEvent] {
        state.withLock { s in
            let key = OrderKey(clientId: clientId, orderId: orderId)
            guard s.orders[key] != nil else {
                return [
                    .error(
                        orderId: orderId, code: TWSErrorCode.cancelNotFound.rawValue,
                        message: "OrderId \(orderId) that needs to be cancelled is not found.")
                ]
            }
            return route(&s, cancelled(&s, key), owner: clientId, includeOwner: false)
        }
    }

    /// Cancels a working order: its status and IB's 202.
    func cancelled(_ s: inout State, _ key: OrderKey) -> [SimAccountEvent] {
        guard var working = s.orders.removeValue(forKey: key) else { return [] }
        working.status = TWSOrderStatusValue.cancelled.rawValue
        s.completed.append(working)
        return [
            .orderStatus(status(working)),
            .error(
                orderId: key.orderId, code: TWSErrorCode.orderCancelled.rawValue, message: "Order Canceled - reason:"),
        ]
    }

    /// reqGlobalCancel: every working order of every client; the caller's events are returned, the other
    /// owners' are routed to them.
    func cancelAll(clientId: Int, at date: Date) -> [SimAccountEvent] {
        state.withLock { s in
            var own: [SimAccountEvent] = []
            for key in s.orders.keys.sorted() {
                let events = cancelled(&s, key)
                let mine = route(&s, events, owner: key.clientId, includeOwner: key.clientId != clientId)
                if key.clientId == clientId { own += mine }
            }
            return own
        }
    }

    /// Matches every working order against the market; all events, unrouted (single-client use).
    func tick(at date: Date) -> [SimAccountEvent] {
        state.withLock { s in
            settleExpired(&s, at: date)
            return s.orders.keys.sorted().flatMap { fillIfCrossing(&s, $0, at: date) }
        }
    }

    // MARK: Matching

    /// The legs of a contract as (conId, contract, signed ratio); a plain contract is one leg.
    func legs(of contract: TWSContract) -> [(conId: Int, contract: TWSContract, ratio: Double)] {
        if contract.secType == TWSSecurityType.combo.rawValue {
            return contract.comboLegs.compactMap { leg in
                guard let resolved = resolve(conId: leg.conId) else { return nil }
                return (leg.conId, resolved, Double(leg.ratio) * (leg.action == TWSAction.sell.rawValue ? -1 : 1))
            }
        }
        if contract.conId > 0, let resolved = resolve(conId: contract.conId) { return [(contract.conId, resolved, 1)] }
        if contract.secType == TWSSecurityType.option.rawValue, let right = OptionRight(code: contract.right),
            let expiry = Expiry(contract.lastTradeDateOrContractMonth),
            let strike = contract.strike
        {
            let option = OptionContract(symbol: contract.symbol, expiry: expiry, strike: strike, right: right)
            if let conId = market.optionConId(option), let resolved = resolve(conId: conId) {
                return [(conId, resolved, 1)]
            }
        }
        if contract.secType == TWSSecurityType.stock.rawValue, let p = market.profile(contract.symbol),
            let resolved = resolve(conId: p.conId)
        {
            return [(p.conId, resolved, 1)]
        }
        return []
    }

    func resolve(conId: Int) -> TWSContract? {
        if let option = market.option(conId: conId) { return SimulatorContracts.contract(for: option, market: market) }
        if let p = market.profiles.first(where: { $0.conId == conId }) { return SimulatorContracts.stock(p) }
        return nil
    }

    /// Bid and ask of a leg now.
    func quote(_ contract: TWSContract, at date: Date) -> (bid: Double, ask: Double)? {
        if contract.secType == TWSSecurityType.option.rawValue, let option = market.option(conId: contract.conId),
            let q = market.optionQuote(option, at: date)
        {
            return (q.bid, q.ask)
        }
        if let price = market.price(contract.symbol, at: date) { return (price - 0.01, price + 0.01) }
        return nil
    }

    /// Fills the order at the natural price when its limit crosses it (market orders always), during
    /// regular trading hours only.
    func fillIfCrossing(_ s: inout State, _ key: OrderKey, at date: Date) -> [SimAccountEvent] {
        guard var working = s.orders[key], !working.stuck, working.status == TWSOrderStatusValue.submitted.rawValue
        else { return [] }
        guard market.calendar.isRegularSession(date) else { return [] }
        let legs = self.legs(of: working.contract)
        guard !legs.isEmpty else { return [] }
        let buying = working.order.action == TWSAction.buy.rawValue
        // Natural and mid price of the whole structure per unit, for the order's side.
        var natural = 0.0
        var mid = 0.0
        var quotes: [(conId: Int, contract: TWSContract, ratio: Double, natural: Double, mid: Double)] = []
        for leg in legs {
            guard let q = quote(leg.contract, at: date) else { return [] }
            let legBuys = (leg.ratio > 0) == buying
            let legNatural = legBuys ? q.ask : q.bid
            let sign = leg.ratio > 0 ? 1.0 : -1.0
            natural += sign * abs(leg.ratio) * legNatural
            mid += sign * abs(leg.ratio) * (q.bid + q.ask) / 2
            quotes.append((leg.conId, leg.contract, leg.ratio, legNatural, (q.bid + q.ask) / 2))
        }
        let quantity = (working.order.totalQuantity?.doubleValue ?? 0) - working.filled
        guard quantity > 0 else { return [] }
        // Market orders take the natural price; a limit fills once it reaches the price the market accepts
        // now (between mid and natural, by width, size and time resting), at the limit.
        var price = natural
        if working.order.orderType == TWSOrderType.limit.rawValue, let limit = working.order.lmtPrice {
            let acceptable = FillModel.acceptablePrice(
                natural: natural, mid: mid, quantity: quantity, resting: date.timeIntervalSince(working.submittedAt))
            let crosses = buying ? limit >= acceptable - 1e-9 : limit <= acceptable + 1e-9
            guard crosses else { return [] }
            price = buying ? min(limit, natural) : max(limit, natural)
        }
        let legFills = FillModel.legPrices(
            quotes.map { ($0.ratio, $0.natural, $0.mid) }, natural: natural, mid: mid, price: price
        ).enumerated().map { i, legPrice in
            (conId: quotes[i].conId, contract: quotes[i].contract, ratio: quotes[i].ratio, price: legPrice)
        }
        var events: [SimAccountEvent] = []
        let side = buying ? 1.0 : -1.0
        var commissionLeft = Self.commission(
            legs: legFills.map { ($0.contract, abs($0.ratio) * quantity) }, prices: legFills.map(\.price))
        for (i, leg) in legFills.enumerated() {
            let legQuantity = abs(leg.ratio) * quantity
            let signed = (leg.ratio > 0 ? 1 : -1) * side * legQuantity
            let multiplier = Double(leg.contract.multiplier) ?? 1
            let legCommission =
                i == legFills.count - 1
                ? commissionLeft.rounded(toPlaces: 2)
                : min(commissionLeft, Self.rate(leg.contract, quantity: legQuantity).rounded(toPlaces: 2))
            commissionLeft -= legCommission
            let realized = apply(
                &s, conId: leg.conId, contract: leg.contract, quantity: signed, price: leg.price, multiplier: multiplier
            )
            if let realized { s.realizedByConId[leg.conId, default: 0] += realized }
            s.cash -= signed * leg.price * multiplier + legCommission
            events.append(
                execution(
                    &s, working, leg: leg.contract, conId: leg.conId, quantity: legQuantity,
                    bought: signed > 0, price: leg.price, commission: legCommission, realized: realized, at: date))
        }
        working.filled += quantity
        working.avgFillPrice = price
        working.status = TWSOrderStatusValue.filled.rawValue
        s.orders[key] = nil
        s.completed.append(working)
        events.append(.orderStatus(status(working, lastFill: price)))
        events.append(.openOrder(openOrder(working)))
        return events
    }

    /// IBKR Pro's commission of one order: the legs' rates, at least the order minimum, stock at most 1 % of
    /// its value (`prices` per share, when known).
    static func commission(legs: [(contract: TWSContract, quantity: Double)], prices: [Double] = []) -> Double {
        var total = 0.0
        for (i, leg) in legs.enumerated() {
            var fee = rate(leg.contract, quantity: leg.quantity)
            if leg.contract.secType != TWSSecurityType.option.rawValue, i < prices.count {
                fee = min(fee, 0.01 * prices[i] * leg.quantity)
            }
            total += fee
        }
        return max(minimumCommission, total).rounded(toPlaces: 2)
    }

    /// The per-unit rate of one leg before the order minimum.
    static func rate(_ contract: TWSContract, quantity: Double) -> Double {
        contract.secType == TWSSecurityType.option.rawValue
            ? commissionPerContract * quantity : commissionPerShare * quantity
    }

    /// Moves a position; returns the realized P&L of any closing part.
    func apply(_ s: inout State, conId: Int, contract: TWSContract, quantity: Double, price: Double, multiplier: Double)
        -> Double?
    {
        var h = s.holdings[conId] ?? Holding(contract: contract, quantity: 0, averageCost: 0)
        var realized: Double?
        if h.quantity == 0 || (h.quantity > 0) == (quantity > 0) {
            let total = h.quantity + quantity
            h.averageCost = (h.averageCost * abs(h.quantity) + price * multiplier * abs(quantity)) / abs(total)
            h.quantity = total
        } else {
            let closing = min(abs(quantity), abs(h.quantity))
            let pnl = (price * multiplier - h.averageCost) * closing * (h.quantity > 0 ? 1 : -1)
            realized = pnl
            s.realized += pnl
            h.quantity += quantity
            if abs(h.quantity) < 1e-9 {
                h.quantity = 0
                h.averageCost = 0
            } else if (h.quantity > 0) == (quantity > 0) {
                h.averageCost = price * multiplier
            }
        }
        s.holdings[conId] = h.quantity == 0 ? nil : h
        return realized
    }

    func execution(
        _ s: inout State, _ working: WorkingOrder, leg: TWSContract, conId: Int, quantity: Double, bought: Bool,
        price: Double,
        commission: Double, realized: Double?, at date: Date
    ) -> SimAccountEvent {
        var details = TWSExecDetails()
        details.reqId = -1
        details.contract = leg
        details.contract.conId = conId
        var e = TWSExecution()
        e.execId = String(format: "0000e0d5.%08x.01.01", s.nextExecSeq)
        s.nextExecSeq += 1
        e.time = Self.executionTime(date)
        e.acctNumber = working.order.account
        e.exchange = "SMART"
        e.side = bought ? TWSExecutionSide.bought.rawValue : TWSExecutionSide.sold.rawValue
        e.shares = TWSDecimal(quantity)
        e.price = (price * 100).rounded() / 100
        e.permId = working.permId
        e.clientId = working.clientId
        e.orderId = working.orderId
        e.cumQty = TWSDecimal(quantity)
        e.avgPrice = e.price
        e.orderRef = working.order.orderRef
        e.lastLiquidity = 2
        details.execution = e
        var report = TWSCommissionAndFeesReport()
        report.execId = e.execId
        report.commissionAndFees = commission
        report.currency = "USD"
        report.realizedPNL = realized
        s.executions.append((details, report))
        return .execution(details, report)
    }

    static func executionTime(_ date: Date) -> String { NewYorkTime.stamp(date) }

    func status(_ w: WorkingOrder, lastFill: Double = 0) -> TWSOrderStatus {
        var s = TWSOrderStatus()
        s.orderId = w.orderId
        s.status = w.status
        s.filled = TWSDecimal(w.filled)
        s.remaining = TWSDecimal(max(0, (w.order.totalQuantity?.doubleValue ?? 0) - w.filled))
        s.avgFillPrice = w.avgFillPrice
        s.permId = w.permId
        s.lastFillPrice = lastFill
        s.clientId = w.clientId
        return s
    }

    func openOrder(_ w: WorkingOrder) -> TWSOpenOrder {
        var o = TWSOpenOrder()
        o.orderId = w.orderId
        o.contract = w.contract
        if o.contract.secType != TWSSecurityType.option.rawValue && o.contract.strike == nil { o.contract.strike = 0 }
        o.order = w.order
        o.orderState.status = w.status
        o.orderState.commissionAndFeesCurrency = "USD"
        return o
    }

    // MARK: Queries

    /// Working orders of `clientId` (the master client and nil: every client's), by order id.
    func openOrders(clientId: Int?) -> [(TWSOpenOrder, TWSOrderStatus)] {
        state.withLock { s in
            s.orders.values.filter { clientId == nil || clientId == masterClientId || $0.clientId == clientId }
                .sorted { $0.key < $1.key }.map { (openOrder($0), status($0)) }
        }
    }

    func completedOrders() -> [TWSCompletedOrder] {
        state.withLock { s in
            s.completed.map { w in
                var c = TWSCompletedOrder()
                c.contract = w.contract
                if c.contract.secType != TWSSecurityType.option.rawValue && c.contract.strike == nil {
                    c.contract.strike = 0
                }
                c.order = w.order
                c.order.filledQuantity = TWSDecimal(w.filled)
                c.orderState.status = w.status
                c.orderState.completedStatus = w.status
                return c
            }
        }
    }

    func executions() -> [(TWSExecDetails, TWSCommissionAndFeesReport)] { state.withLock { $0.executions } }

    /// Every new order accepted so far (order id and orderRef), in arrival order.
    func acceptedOrders() -> [(orderId: Int, orderRef: String)] { state.withLock { $0.accepted } }

    func positions() -> [TWSPosition] {
        state.withLock { s in
            s.holdings.keys.sorted().compactMap { conId in
                guard let h = s.holdings[conId] else { return nil }
                var p = TWSPosition()
                p.account = accounts[0]
                p.contract = h.contract
                p.contract.conId = conId
                p.position = TWSDecimal(h.quantity)
                p.avgCost = h.averageCost
                return p
            }
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        return (self * p).rounded() / p
    }
}
