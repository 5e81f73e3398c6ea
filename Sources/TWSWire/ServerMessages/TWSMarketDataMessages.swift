/// tickPrice (1): a price tick, plus the size IB folds into the same frame for bid/ask/last.
public struct TWSTickPrice: TWSMessageLayout {
    public var reqId: Int = 0
    public var tickType: Int = 0
    /// The raw price; -1 means "no price" (see `validPrice`).
    public var price: Double = 0
    public var size: TWSDecimal? = nil
    /// Bit 0 canAutoExecute, bit 1 pastLimit, bit 2 preOpen.
    public var attrMask: Int = 0

    public init() {}

    /// A tick from its values.
    public init(reqId: Int, tickType: Int, price: Double, size: TWSDecimal?, attrMask: Int = 0) {
        self.reqId = reqId
        self.tickType = tickType
        self.price = price
        self.size = size
        self.attrMask = attrMask
    }

    /// The price, or nil for IB's "no price" (-1, e.g. market closed) and unset values.
    public var validPrice: Double? { price == -1 ? nil : price }

    /// The size tick IB derives from this price tick (bid -> bid size ...), if any.
    public var sizeTickType: Int? { TWSTickType(tickType).sizeTick?.rawValue }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(6)
        try c.int(&reqId, "reqId")
        try c.int(&tickType, "tickType")
        try c.double(&price, "price")
        try c.decimal(&size, "_size")
        try c.int(&attrMask, "_attrMask")
    }
}

/// tickSize (2).
public struct TWSTickSize: TWSMessageLayout {
    public var reqId: Int = 0
    public var tickType: Int = 0
    public var size: TWSDecimal? = nil

    public init() {}

    /// A size tick from its values.
    public init(reqId: Int, tickType: Int, size: TWSDecimal?) {
        self.reqId = reqId
        self.tickType = tickType
        self.size = size
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(6)
        try c.int(&reqId, "reqId")
        try c.int(&tickType, "tickType")
        try c.decimal(&size, "size")
    }
}

/// tickOptionComputation (21): implied vol and greeks. IB's "not computed" sentinels (-1 for
/// impliedVol/optPrice/pvDividend/undPrice, -2 for the greeks) decode as nil.
public struct TWSTickOptionComputation: TWSMessageLayout {
    public var reqId: Int = 0
    /// 10 bid, 11 ask, 12 last, 13 model; 80-83 delayed.
    public var tickType: Int = 0
    /// 0 return-based, 1 price-based.
    public var tickAttrib: Int = 0
    public var impliedVol: Double? = nil
    public var delta: Double? = nil
    public var optPrice: Double? = nil
    public var pvDividend: Double? = nil
    public var gamma: Double? = nil
    public var vega: Double? = nil
    public var theta: Double? = nil
    public var undPrice: Double? = nil

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.int(&tickType, "tickType")
        try c.int(&tickAttrib, "tickAttrib")
        try c.sentinelDouble(&impliedVol, "impliedVol", sentinel: -1, negativeIsAbsent: true)
        try c.sentinelDouble(&delta, "delta", sentinel: -2)
        try c.sentinelDouble(&optPrice, "optPrice", sentinel: -1)
        try c.sentinelDouble(&pvDividend, "pvDividend", sentinel: -1)
        try c.sentinelDouble(&gamma, "gamma", sentinel: -2)
        try c.sentinelDouble(&vega, "vega", sentinel: -2)
        try c.sentinelDouble(&theta, "theta", sentinel: -2)
        try c.sentinelDouble(&undPrice, "undPrice", sentinel: -1)
    }
}

/// tickGeneric (45), e.g. option implied vol (24) or historical vol (23).
public struct TWSTickGeneric: TWSMessageLayout {
    public var reqId: Int = 0
    public var tickType: Int = 0
    public var value: Double = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(6)
        try c.int(&reqId, "reqId")
        try c.int(&tickType, "tickType")
        try c.double(&value, "value")
    }
}

/// tickString (46), e.g. last timestamp (45).
public struct TWSTickString: TWSMessageLayout {
    public var reqId: Int = 0
    public var tickType: Int = 0
    public var value: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(6)
        try c.int(&reqId, "reqId")
        try c.int(&tickType, "tickType")
        try c.string(&value, "value")
    }
}

/// tickReqParams (81): min tick, BBO exchange and snapshot permissions for a market-data request.
public struct TWSTickReqParams: TWSMessageLayout {
    public var tickerId: Int = 0
    public var minTick: Double = 0
    public var bboExchange: String = ""
    public var snapshotPermissions: Int = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&tickerId, "tickerId")
        try c.double(&minTick, "minTick")
        try c.string(&bboExchange, "bboExchange")
        try c.int(&snapshotPermissions, "snapshotPermissions")
    }
}

/// marketDataType (58): the data type actually served for a request (1 live ... 4 delayed-frozen).
public struct TWSMarketDataTypeMessage: TWSMessageLayout {
    public var reqId: Int = 0
    public var marketDataType: Int = 0

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
        try c.int(&marketDataType, "marketDataType")
    }
}

/// A message carrying only a request id after a version field (tickSnapshotEnd, contractDetailsEnd,
/// execDetailsEnd, accountSummaryEnd, accountUpdateMultiEnd).
public struct TWSRequestEnd: TWSMessageLayout {
    public var reqId: Int = 0

    public init() {}

    /// An end marker for `reqId`.
    public init(reqId: Int) {
        self.reqId = reqId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
    }
}

/// A message with nothing but a version field (openOrderEnd, positionEnd).
public struct TWSVersionOnly: TWSMessageLayout {
    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
    }
}
