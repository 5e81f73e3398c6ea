/// orderStatus (3).
public struct TWSOrderStatus: TWSMessageLayout {
    public var orderId: Int = 0
    /// PendingSubmit, PreSubmitted, Submitted, Filled, Cancelled, Inactive, ApiCancelled ...
    public var status: String = ""
    public var filled: TWSDecimal? = nil
    public var remaining: TWSDecimal? = nil
    public var avgFillPrice: Double = 0
    public var permId: Int = 0
    public var parentId: Int = 0
    public var lastFillPrice: Double = 0
    public var clientId: Int = 0
    public var whyHeld: String = ""
    public var mktCapPrice: Double = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&orderId, "orderId")
        try c.string(&status, "status")
        try c.decimal(&filled, "filled")
        try c.decimal(&remaining, "remaining")
        try c.double(&avgFillPrice, "avgFillPrice")
        try c.int(&permId, "permId")
        try c.int(&parentId, "parentId")
        try c.double(&lastFillPrice, "lastFillPrice")
        try c.int(&clientId, "clientId")
        try c.string(&whyHeld, "whyHeld")
        try c.double(&mktCapPrice, "mktCapPrice")
    }
}

/// openOrder (5): the full order layout, including the delta-neutral block, combo legs,
/// conditions and the what-if order state.
public struct TWSOpenOrder: TWSMessageLayout {
    public var orderId: Int = 0
    public var contract = TWSContract()
    public var order = TWSOrder()
    public var orderState = TWSOrderState()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&orderId, "_orderId")
        if c.isDecoding { order.orderId = orderId }
        try c.contractSummary(&contract)
        try c.orderBody(.openOrder, order: &order, contract: &contract, state: &orderState)
    }
}

/// completedOrder (101): a filled or cancelled order from reqCompletedOrders.
public struct TWSCompletedOrder: TWSMessageLayout {
    public var contract = TWSContract()
    public var order = TWSOrder()
    public var orderState = TWSOrderState()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.contractSummary(&contract)
        try c.orderBody(.completedOrder, order: &order, contract: &contract, state: &orderState)
    }
}

/// execDetails (11): one execution with its contract.
public struct TWSExecDetails: TWSMessageLayout {
    /// The reqExecutions id, or -1 for executions pushed as they happen.
    public var reqId: Int = -1
    public var contract = TWSContract()
    public var execution = TWSExecution()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.int(&execution.orderId, "execution.orderId")
        try c.contractSummary(&contract)
        try c.string(&execution.execId, "execution.execId")
        try c.string(&execution.time, "execution.time")
        try c.string(&execution.acctNumber, "execution.acctNumber")
        try c.string(&execution.exchange, "execution.exchange")
        try c.string(&execution.side, "execution.side")
        try c.decimal(&execution.shares, "execution.shares")
        try c.double(&execution.price, "execution.price")
        try c.int(&execution.permId, "execution.permId")
        try c.int(&execution.clientId, "execution.clientId")
        try c.int(&execution.liquidation, "execution.liquidation")
        try c.decimal(&execution.cumQty, "execution.cumQty")
        try c.double(&execution.avgPrice, "execution.avgPrice")
        try c.string(&execution.orderRef, "execution.orderRef")
        try c.string(&execution.evRule, "execution.evRule")
        try c.double(&execution.evMultiplier, "execution.evMultiplier")
        try c.string(&execution.modelCode, "execution.modelCode")
        try c.int(&execution.lastLiquidity, "execution.lastLiquidity")
        if c.serverVersion >= TWSServerVersion.pendingPriceRevision {
            try c.bool(&execution.pendingPriceRevision, "execution.pendingPriceRevision")
        }
        if c.serverVersion >= TWSServerVersion.submitter {
            try c.string(&execution.submitter, "execution.submitter")
        }
    }
}

/// commissionAndFeesReport (59): the commission of one execution.
public struct TWSCommissionReportMessage: TWSMessageLayout {
    public var report = TWSCommissionAndFeesReport()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.string(&report.execId, "commissionAndFeesReport.execId")
        try c.double(&report.commissionAndFees, "commissionAndFeesReport.commissionAndFees")
        try c.string(&report.currency, "commissionAndFeesReport.currency")
        try c.double(&report.realizedPNL, "commissionAndFeesReport.realizedPNL")
        try c.double(&report.yield_, "commissionAndFeesReport.yield_")
        try c.int(&report.yieldRedemptionDate, "commissionAndFeesReport.yieldRedemptionDate")
    }
}

/// nextValidId (9): the next order id the client may use.
public struct TWSNextValidId: TWSMessageLayout {
    public var orderId: Int = 0

    public init() {}

    /// The message for `orderId`.
    public init(orderId: Int) {
        self.orderId = orderId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&orderId, "orderId")
    }
}
