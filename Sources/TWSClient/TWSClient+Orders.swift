import OptionsModel
import TWSWire

/// A combo (BAG) limit order as the layers above TWSClient describe it: SMART-routed in USD, DAY,
/// bought as a combo whose legs keep their own actions (IB's convention; a credit has a negative limit).
public struct TWSComboOrder: Sendable, Hashable {
    /// One leg: a contract id, a ratio, and whether the leg buys.
    public struct Leg: Sendable, Hashable {
        /// The leg's contract id.
        public var conId: Int
        /// Contracts of this leg per combo unit.
        public var ratio: Int
        /// True for a bought leg, false for a sold one.
        public var buys: Bool

        /// A leg from its values.
        public init(conId: Int, ratio: Int, buys: Bool) {
            self.conId = conId
            self.ratio = ratio
            self.buys = buys
        }
    }

    /// The underlying's symbol.
    public var symbol: String
    /// The legs, in order.
    public var legs: [Leg]
    /// Combo units.
    public var quantity: Int
    /// The combo's limit price.
    public var limit: Double?
    /// Our orderRef, carried by every execution of the order.
    public var orderRef: String

    /// An order from its values.
    public init(symbol: String, legs: [Leg], quantity: Int, limit: Double?, orderRef: String) {
        self.symbol = symbol
        self.legs = legs
        self.quantity = quantity
        self.limit = limit
        self.orderRef = orderRef
    }

    /// The BAG contract.
    package var contract: TWSContract {
        var contract = TWSContract(
            symbol: symbol, secType: TWSSecurityType.combo.rawValue, exchange: "SMART", currency: "USD")
        contract.comboLegs = legs.map {
            TWSComboLeg(
                conId: $0.conId, ratio: $0.ratio, action: ($0.buys ? TWSAction.buy : TWSAction.sell).rawValue)
        }
        return contract
    }

    /// The limit order.
    package var order: TWSOrder {
        var order = TWSOrder()
        order.action = TWSAction.buy.rawValue
        order.orderType = TWSOrderType.limit.rawValue
        order.totalQuantity = TWSDecimal(Double(quantity))
        order.tif = TWSTimeInForce.day.rawValue
        order.orderRef = orderRef
        order.lmtPrice = limit
        return order
    }
}

/// A market order for shares (closing what an option assignment left): SMART-routed in USD, DAY.
public struct TWSStockOrder: Sendable, Hashable {
    /// The stock's symbol.
    public var symbol: String
    /// True to buy, false to sell.
    public var buys: Bool
    public var shares: Int
    /// Our orderRef, carried by every execution of the order.
    public var orderRef: String

    /// An order from its values.
    public init(symbol: String, buys: Bool, shares: Int, orderRef: String) {
        self.symbol = symbol
        self.buys = buys
        self.shares = shares
        self.orderRef = orderRef
    }

    /// The stock contract.
    package var contract: TWSContract {
        TWSContract(symbol: symbol, secType: TWSSecurityType.stock.rawValue, exchange: "SMART", currency: "USD")
    }

    /// The market order.
    package var order: TWSOrder {
        var order = TWSOrder()
        order.action = (buys ? TWSAction.buy : TWSAction.sell).rawValue
        order.orderType = TWSOrderType.market.rawValue
        order.totalQuantity = TWSDecimal(Double(shares))
        order.tif = TWSTimeInForce.day.rawValue
        order.orderRef = orderRef
        return order
    }
}

/// One execution as the layers above TWSClient need it, with its commission when known.
public struct TWSFill: Sendable, Hashable {
    /// IB's execution id (executions are deduplicated by it).
    public var execId: String
    /// IB's order id.
    public var orderId: Int
    /// The orderRef the order carried.
    public var orderRef: String
    /// The account that executed.
    public var account: String
    /// IB's execution time text (`yyyyMMdd HH:mm:ss [zone]`).
    public var time: String
    /// True when bought, false when sold, nil when IB's side is neither.
    public var bought: Bool?
    /// Shares or contracts executed.
    public var quantity: Double
    /// Price per share.
    public var price: Double
    /// Whether this is the combo's own execution rather than a leg's.
    public var isCombo: Bool
    /// The executed contract's id.
    public var conId: Int
    /// The executed contract's symbol.
    public var symbol: String
    /// The executed contract's local symbol.
    public var localSymbol: String
    /// The option executed, when it is one and its fields parse.
    public var option: OptionContract?
    /// Commission and fees, when the report arrived.
    public var commission: Double?
    /// Realized P&L of the execution, when IB computed one.
    public var realizedPnL: Double?

    /// The fill of an execution report.
    package init(_ d: TWSExecDetails, commission: TWSCommissionAndFeesReport? = nil) {
        execId = d.execution.execId
        orderId = d.execution.orderId
        orderRef = d.execution.orderRef
        account = d.execution.acctNumber
        time = d.execution.time
        bought = TWSExecutionSide(rawValue: d.execution.side).map { $0 == .bought }
        quantity = d.execution.shares?.doubleValue ?? 0
        price = d.execution.price
        isCombo = d.contract.secType == TWSSecurityType.combo.rawValue
        conId = d.contract.conId
        symbol = d.contract.symbol
        localSymbol = d.contract.localSymbol
        option = d.contract.optionContract
        self.commission = commission?.commissionAndFees
        realizedPnL = commission?.realizedPNL
    }
}

/// What happened to a placed order, in domain terms.
public enum TWSOrderUpdate: Sendable, Hashable {
    /// A status; `filled` and `cancelled` say whether it is final.
    case status(String, filled: Bool, cancelled: Bool)
    /// An execution of the order or one of its legs.
    case fill(TWSFill)
    /// The commission report of an execution.
    case commission(execId: String, amount: Double?, realizedPnL: Double?)
    /// An error for the order; `endsOrder` for rejections and the cancel confirmation (`cancelConfirmed`).
    case error(code: Int, message: String, endsOrder: Bool, cancelConfirmed: Bool)
    /// Anything else (the open-order echo).
    case other

    /// The update an order event means.
    public init(_ event: TWSOrderEvent) {
        switch event {
        case .status(let s):
            let status = TWSOrderStatusValue(rawValue: s.status)
            self = .status(s.status, filled: status == .filled, cancelled: status?.isCancelled == true)
        case .execution(let d): self = .fill(TWSFill(d))
        case .commission(let c):
            self = .commission(execId: c.execId, amount: c.commissionAndFees, realizedPnL: c.realizedPNL)
        case .error(let code, let message):
            let meaning = TWSErrorCode(code)
            self = .error(
                code: code, message: message, endsOrder: meaning.endsOrder, cancelConfirmed: meaning == .orderCancelled)
        case .openOrder: self = .other
        }
    }
}

/// A position on the account.
public struct TWSHolding: Sendable, Hashable {
    /// The contract's symbol.
    public var symbol: String
    /// Shares or contracts held (negative when short).
    public var quantity: Double
    /// The option held, when it is one and its fields parse.
    public var option: OptionContract?
    /// Whether the position is a stock (shares from an assignment).
    public var isStock: Bool
}

/// An order as the account lists it (open or completed).
public struct TWSListedOrder: Sendable, Hashable {
    /// IB's order id (0 for completed orders of other sessions).
    public var orderId: Int
    /// The orderRef it carries.
    public var orderRef: String
}

extension TWSContract {
    /// The option this contract is, when it is one whose fields parse.
    package var optionContract: OptionContract? {
        guard let expiry = Expiry(String(lastTradeDateOrContractMonth.prefix(8))), let strike,
            let right = OptionRight(code: right)
        else { return nil }
        return OptionContract(
            symbol: symbol, expiry: expiry, strike: strike, right: right, multiplier: Int(multiplier) ?? 100,
            conId: conId)
    }
}

// MARK: Domain-typed orders and account

extension TWSClient {
    /// Places a combo order (refused unless every account is a paper account).
    public func placeOrder(_ combo: TWSComboOrder) async throws -> TWSOrderHandle {
        try await placeOrder(contract: combo.contract, order: combo.order)
    }

    /// Places a share order (refused unless every account is a paper account).
    public func placeOrder(_ stock: TWSStockOrder) async throws -> TWSOrderHandle {
        try await placeOrder(contract: stock.contract, order: stock.order)
    }

    /// Modifies a placed combo order (a re-price).
    public func modifyOrder(_ orderId: Int, _ combo: TWSComboOrder) async throws {
        try await modifyOrder(orderId, contract: combo.contract, order: combo.order)
    }

    /// Every execution of the account (this session's day), with commissions.
    public func fills() async throws -> [TWSFill] {
        try await executions().map { TWSFill($0.details, commission: $0.commission) }
    }

    /// The account's positions.
    public func holdings() async throws -> [TWSHolding] {
        try await positions().map { p in
            TWSHolding(
                symbol: p.contract.symbol, quantity: p.position?.doubleValue ?? 0,
                option: p.contract.secType == TWSSecurityType.option.rawValue ? p.contract.optionContract : nil,
                isStock: p.contract.secType == TWSSecurityType.stock.rawValue)
        }
    }

    /// The account's open orders.
    public func listedOpenOrders() async throws -> [TWSListedOrder] {
        try await openOrders().map { TWSListedOrder(orderId: $0.orderId, orderRef: $0.order.orderRef) }
    }

    /// The account's completed orders.
    public func listedCompletedOrders() async throws -> [TWSListedOrder] {
        try await completedOrders().map { TWSListedOrder(orderId: 0, orderRef: $0.order.orderRef) }
    }

    /// Account summary values for `tags`, as (account, tag, value) text.
    public func accountValues(tags: [String]) async throws -> [(account: String, tag: String, value: String)] {
        try await accountSummary(tags: tags).map { ($0.account, $0.tag, $0.value) }
    }
}
