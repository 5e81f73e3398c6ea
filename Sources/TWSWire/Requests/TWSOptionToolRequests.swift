/// A request whose only field is its request id (cancelPnL, cancelPnLSingle, cancelHeadTimeStamp).
public struct TWSReqIdOnly: TWSMessageLayout {
    public var reqId: Int = 0

    public init() {}

    /// The request for `reqId`.
    public init(reqId: Int) {
        self.reqId = reqId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
    }
}

/// reqPnL (92): daily, unrealized and realized P&L of an account, streamed.
public struct TWSReqPnL: TWSMessageLayout {
    public var reqId: Int = 0
    public var account: String = ""
    public var modelCode: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&account, "account")
        try c.string(&modelCode, "modelCode")
    }
}

/// reqPnLSingle (94): the P&L of one position, streamed.
public struct TWSReqPnLSingle: TWSMessageLayout {
    public var reqId: Int = 0
    public var account: String = ""
    public var modelCode: String = ""
    public var conId: Int = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&account, "account")
        try c.string(&modelCode, "modelCode")
        try c.int(&conId, "conid")
    }
}

/// reqHeadTimeStamp (87): the earliest date of a contract's history.
public struct TWSReqHeadTimeStamp: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    public var useRTH: Bool = true
    public var whatToShow: String = "TRADES"
    /// 1: `yyyyMMdd-HH:mm:ss`, 2: epoch seconds.
    public var formatDate: Int = 1

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        try c.bool(&contract.includeExpired, "contract.includeExpired")
        try c.bool(&useRTH, "useRTH")
        try c.string(&whatToShow, "whatToShow")
        try c.int(&formatDate, "formatDate")
    }
}

/// calculateImpliedVolatility (54) and calculateOptionPrice (55): an option model computation for a
/// given option price (or volatility) and underlying price, answered as tickOptionComputation 53.
public struct TWSCalculateOption: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    /// The option price (calculateImpliedVolatility) or the volatility (calculateOptionPrice).
    public var value: Double? = nil
    public var underPrice: Double? = nil
    /// ibapi sends the options as one field; ib_async as a count first (read here as the options).
    public var options: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(3)
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        try c.double(&value, "value", unset: .empty)
        try c.double(&underPrice, "underPrice", unset: .empty)
        try c.string(&options, "options")
    }
}

/// reqMatchingSymbols (81): contracts whose symbol or name starts with a pattern.
public struct TWSReqMatchingSymbols: TWSMessageLayout {
    public var reqId: Int = 0
    public var pattern: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&pattern, "pattern")
    }
}

/// reqRealTimeBars (50): 5-second bars, streamed.
public struct TWSReqRealTimeBars: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    /// Always 5 (seconds).
    public var barSize: Int = 5
    public var whatToShow: String = "TRADES"
    public var useRTH: Bool = true
    public var options: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(3)
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        try c.int(&barSize, "barSize")
        try c.string(&whatToShow, "whatToShow")
        try c.bool(&useRTH, "useRTH")
        try c.string(&options, "realTimeBarsOptions")
    }
}

/// exerciseOptions (21): exercise (1) or lapse (2) held options.
public struct TWSExerciseOptions: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    public var exerciseAction: Int = 1
    public var exerciseQuantity: Int = 0
    public var account: String = ""
    public var override: Int = 0
    public var manualOrderTime: String = ""
    public var customerAccount: String = ""
    public var professionalCustomer: Bool = false

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(2)
        try c.int(&reqId, "reqId")
        try c.int(&contract.conId, "contract.conId")
        try c.string(&contract.symbol, "contract.symbol")
        try c.string(&contract.secType, "contract.secType")
        try c.string(&contract.lastTradeDateOrContractMonth, "contract.lastTradeDateOrContractMonth")
        try c.double(&contract.strike, "contract.strike", unset: .empty)
        try c.string(&contract.right, "contract.right")
        try c.string(&contract.multiplier, "contract.multiplier")
        try c.string(&contract.exchange, "contract.exchange")
        try c.string(&contract.currency, "contract.currency")
        try c.string(&contract.localSymbol, "contract.localSymbol")
        try c.string(&contract.tradingClass, "contract.tradingClass")
        try c.int(&exerciseAction, "exerciseAction")
        try c.int(&exerciseQuantity, "exerciseQuantity")
        try c.string(&account, "account")
        try c.int(&override, "override")
        // ib_async stops here at every version; the official client adds the gated fields.
        if c.serverVersion >= TWSServerVersion.manualOrderTime && c.hasMoreFields {
            try c.string(&manualOrderTime, "manualOrderTime")
        }
        if c.serverVersion >= TWSServerVersion.customerAccount && c.hasMoreFields {
            try c.string(&customerAccount, "customerAccount")
        }
        if c.serverVersion >= TWSServerVersion.professionalCustomer && c.hasMoreFields {
            try c.bool(&professionalCustomer, "professionalCustomer")
        }
    }
}

extension TWSCoder {
    /// False only when a reader has consumed the whole payload (optional trailing fields).
    public var hasMoreFields: Bool {
        guard let reader = self as? TWSFieldReader else { return true }
        return !reader.isAtEnd
    }
}
