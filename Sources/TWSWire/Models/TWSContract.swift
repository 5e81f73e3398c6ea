/// IB's `Contract`, with the attribute names of the official API.
public struct TWSContract: Sendable, Hashable {
    public var conId: Int = 0
    public var symbol: String = ""
    public var secType: String = ""
    public var lastTradeDateOrContractMonth: String = ""
    public var lastTradeDate: String = ""
    public var strike: Double? = nil
    public var right: String = ""
    public var multiplier: String = ""
    public var exchange: String = ""
    public var primaryExchange: String = ""
    public var currency: String = ""
    public var localSymbol: String = ""
    public var tradingClass: String = ""
    public var includeExpired: Bool = false
    public var secIdType: String = ""
    public var secId: String = ""
    public var issuerId: String = ""
    public var comboLegsDescrip: String = ""
    public var comboLegs: [TWSComboLeg] = []
    public var deltaNeutralContract: TWSDeltaNeutralContract? = nil

    public init() {}

    /// A contract from its most common attributes.
    public init(
        conId: Int = 0, symbol: String, secType: String, lastTradeDateOrContractMonth: String = "",
        strike: Double? = nil, right: String = "", multiplier: String = "", exchange: String = "SMART",
        currency: String = "USD", localSymbol: String = "", tradingClass: String = ""
    ) {
        self.conId = conId
        self.symbol = symbol
        self.secType = secType
        self.lastTradeDateOrContractMonth = lastTradeDateOrContractMonth
        self.strike = strike
        self.right = right
        self.multiplier = multiplier
        self.exchange = exchange
        self.currency = currency
        self.localSymbol = localSymbol
        self.tradingClass = tradingClass
    }
}

/// One leg of a BAG (combo) contract.
public struct TWSComboLeg: Sendable, Hashable {
    public var conId: Int = 0
    public var ratio: Int = 0
    /// `BUY`, `SELL` or `SSHORT`.
    public var action: String = ""
    public var exchange: String = ""
    /// 0 same as parent, 1 open, 2 close, 3 unknown.
    public var openClose: Int = 0
    public var shortSaleSlot: Int = 0
    public var designatedLocation: String = ""
    public var exemptCode: Int = -1

    public init() {}

    /// A leg from its conId, ratio and action.
    public init(conId: Int, ratio: Int, action: String, exchange: String = "SMART") {
        self.conId = conId
        self.ratio = ratio
        self.action = action
        self.exchange = exchange
    }
}

/// IB's `DeltaNeutralContract`.
public struct TWSDeltaNeutralContract: Sendable, Hashable {
    public var conId: Int = 0
    public var delta: Double = 0
    public var price: Double = 0

    public init() {}
}

/// IB's `TagValue`.
public struct TWSTagValue: Sendable, Hashable {
    public var tag: String = ""
    public var value: String = ""

    public init() {}

    public init(tag: String, value: String) {
        self.tag = tag
        self.value = value
    }
}

extension TWSCoder {
    /// The contract block shared by openOrder, completedOrder, execDetails, position and portfolio:
    /// conId through localSymbol, with `multiplier` and `tradingClass` where the message has them.
    mutating func contractSummary(
        _ c: inout TWSContract, multiplier: Bool = true, exchange: Bool = true, primaryExchange: Bool = false,
        tradingClass: Bool = true
    ) throws {
        try int(&c.conId, "contract.conId")
        try string(&c.symbol, "contract.symbol")
        try string(&c.secType, "contract.secType")
        try string(&c.lastTradeDateOrContractMonth, "contract.lastTradeDateOrContractMonth")
        try double(&c.strike, "contract.strike")
        try string(&c.right, "contract.right")
        if multiplier { try string(&c.multiplier, "contract.multiplier") }
        if primaryExchange { try string(&c.primaryExchange, "contract.primaryExchange") }
        if exchange { try string(&c.exchange, "contract.exchange") }
        try string(&c.currency, "contract.currency")
        try string(&c.localSymbol, "contract.localSymbol")
        if tradingClass { try string(&c.tradingClass, "contract.tradingClass") }
    }

    /// The contract block of requests (reqMktData, reqContractDetails, reqHistoricalData, placeOrder):
    /// as the official client writes it, strike empty when unset.
    mutating func requestContract(_ c: inout TWSContract, conId: Bool = true) throws {
        if conId { try int(&c.conId, "contract.conId") }
        try string(&c.symbol, "contract.symbol")
        try string(&c.secType, "contract.secType")
        try string(&c.lastTradeDateOrContractMonth, "contract.lastTradeDateOrContractMonth")
        try double(&c.strike, "contract.strike", unset: .empty)
        try string(&c.right, "contract.right")
        try string(&c.multiplier, "contract.multiplier")
        try string(&c.exchange, "contract.exchange")
        try string(&c.primaryExchange, "contract.primaryExchange")
        try string(&c.currency, "contract.currency")
        try string(&c.localSymbol, "contract.localSymbol")
        try string(&c.tradingClass, "contract.tradingClass")
    }
}
