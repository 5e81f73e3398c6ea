/// startApi (71): sent once after the handshake.
public struct TWSStartAPI: TWSMessageLayout {
    public var clientId: Int = 0
    public var optionalCapabilities: String = ""

    public init() {}

    /// START_API for `clientId`.
    public init(clientId: Int, optionalCapabilities: String = "") {
        self.clientId = clientId
        self.optionalCapabilities = optionalCapabilities
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(2)
        try c.int(&clientId, "clientId")
        try c.string(&optionalCapabilities, "optionalCapabilities")
    }
}

/// reqIds (8).
public struct TWSReqIds: TWSMessageLayout {
    public var numIds: Int = 1

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&numIds, "numIds")
    }
}

/// reqMarketDataType (59): 1 live, 2 frozen, 3 delayed, 4 delayed-frozen.
public struct TWSReqMarketDataType: TWSMessageLayout {
    public var marketDataType: Int = 1

    public init() {}

    /// The request for `marketDataType`.
    public init(marketDataType: Int) {
        self.marketDataType = marketDataType
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&marketDataType, "marketDataType")
    }
}

/// reqContractDetails (9).
public struct TWSReqContractDetails: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()

    public init() {}

    /// The request for `contract`.
    public init(reqId: Int, contract: TWSContract) {
        self.reqId = reqId
        self.contract = contract
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(8)
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        try c.bool(&contract.includeExpired, "contract.includeExpired")
        try c.string(&contract.secIdType, "contract.secIdType")
        try c.string(&contract.secId, "contract.secId")
        if c.serverVersion >= TWSServerVersion.bondIssuerId { try c.string(&contract.issuerId, "contract.issuerId") }
    }
}

/// reqSecDefOptParams (78): expirations and strikes of an underlying's options.
public struct TWSReqSecDefOptParams: TWSMessageLayout {
    public var reqId: Int = 0
    public var underlyingSymbol: String = ""
    public var futFopExchange: String = ""
    public var underlyingSecType: String = ""
    public var underlyingConId: Int = 0

    public init() {}

    /// The request for an underlying.
    public init(
        reqId: Int, underlyingSymbol: String, futFopExchange: String = "", underlyingSecType: String,
        underlyingConId: Int
    ) {
        self.reqId = reqId
        self.underlyingSymbol = underlyingSymbol
        self.futFopExchange = futFopExchange
        self.underlyingSecType = underlyingSecType
        self.underlyingConId = underlyingConId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&underlyingSymbol, "underlyingSymbol")
        try c.string(&futFopExchange, "futFopExchange")
        try c.string(&underlyingSecType, "underlyingSecType")
        try c.int(&underlyingConId, "underlyingConId")
    }
}

/// reqMktData (1): streaming or snapshot market data, BAG legs included.
public struct TWSReqMktData: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    /// Comma-separated generic ticks (100, 101, 104, 106 ...); must be empty for snapshots.
    public var genericTickList: String = ""
    public var snapshot: Bool = false
    public var regulatorySnapshot: Bool = false

    public init() {}

    /// A market-data request.
    public init(
        reqId: Int, contract: TWSContract, genericTickList: String = "", snapshot: Bool,
        regulatorySnapshot: Bool = false
    ) {
        self.reqId = reqId
        self.contract = contract
        self.genericTickList = genericTickList
        self.snapshot = snapshot
        self.regulatorySnapshot = regulatorySnapshot
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(11)
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        if contract.secType == "BAG" {
            try c.list(&contract.comboLegs, "contract.comboLegs", makeElement: TWSComboLeg.init) { leg, c in
                try c.comboLeg(&leg, full: false)
            }
        }
        try c.deltaNeutralContract(&contract.deltaNeutralContract)
        try c.string(&genericTickList, "genericTickList")
        try c.bool(&snapshot, "snapshot")
        try c.bool(&regulatorySnapshot, "regulatorySnapshot")
        try c.placeholder("", "_mktDataOptions")
    }
}

/// A request carrying a version and a request id (cancelMktData, cancelHistoricalData,
/// cancelAccountSummary, cancelAccountUpdatesMulti).
public struct TWSCancelRequest: TWSMessageLayout {
    public var reqId: Int = 0
    /// The VERSION field this request carries (2 for cancelMktData, 1 otherwise).
    public var versionField: Int = 1

    public init() {}

    /// A cancel of `reqId`.
    public init(reqId: Int, versionField: Int = 1) {
        self.reqId = reqId
        self.versionField = versionField
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&versionField, "_version")
        try c.int(&reqId, "reqId")
    }
}

/// A request that is only a VERSION field (reqManagedAccts, reqPositions, cancelPositions,
/// reqOpenOrders, reqAllOpenOrders, reqCurrentTime).
public struct TWSPlainRequest: TWSMessageLayout {
    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
    }
}

/// reqHistoricalData (20).
public struct TWSReqHistoricalData: TWSMessageLayout {
    public var reqId: Int = 0
    public var contract = TWSContract()
    /// Empty for "now", else `yyyyMMdd HH:mm:ss <zone>`.
    public var endDateTime: String = ""
    public var barSizeSetting: String = "1 day"
    public var durationStr: String = "1 Y"
    public var useRTH: Int = 1
    public var whatToShow: String = "TRADES"
    public var formatDate: Int = 1
    public var keepUpToDate: Bool = false

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.requestContract(&contract)
        try c.bool(&contract.includeExpired, "contract.includeExpired")
        try c.string(&endDateTime, "endDateTime")
        try c.string(&barSizeSetting, "barSizeSetting")
        try c.string(&durationStr, "durationStr")
        try c.int(&useRTH, "useRTH")
        try c.string(&whatToShow, "whatToShow")
        try c.int(&formatDate, "formatDate")
        if contract.secType == "BAG" {
            try c.list(&contract.comboLegs, "contract.comboLegs", makeElement: TWSComboLeg.init) { leg, c in
                try c.comboLeg(&leg, full: false)
            }
        }
        try c.bool(&keepUpToDate, "keepUpToDate")
        try c.placeholder("", "_chartOptions")
    }
}

/// reqAccountSummary (62).
public struct TWSReqAccountSummary: TWSMessageLayout {
    public var reqId: Int = 0
    public var groupName: String = "All"
    /// Comma-separated tags, e.g. `NetLiquidation,BuyingPower,TotalCashValue`.
    public var tags: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
        try c.string(&groupName, "groupName")
        try c.string(&tags, "tags")
    }
}

/// reqAccountUpdates (REQ_ACCT_DATA, 6).
public struct TWSReqAccountUpdates: TWSMessageLayout {
    public var subscribe: Bool = true
    public var acctCode: String = ""

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(2)
        try c.bool(&subscribe, "subscribe")
        try c.string(&acctCode, "acctCode")
    }
}

/// reqAutoOpenOrders (15).
public struct TWSReqAutoOpenOrders: TWSMessageLayout {
    public var bAutoBind: Bool = true

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.bool(&bAutoBind, "bAutoBind")
    }
}

/// reqCompletedOrders (99): no version field.
public struct TWSReqCompletedOrders: TWSMessageLayout {
    public var apiOnly: Bool = false

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.bool(&apiOnly, "apiOnly")
    }
}

/// IB's `ExecutionFilter`.
public struct TWSExecutionFilter: Sendable, Hashable {
    public var clientId: Int = 0
    public var acctCode: String = ""
    /// `yyyyMMdd HH:mm:ss` lower bound, or empty.
    public var time: String = ""
    public var symbol: String = ""
    public var secType: String = ""
    public var exchange: String = ""
    public var side: String = ""
    /// Server version 200+: executions of the last N days (nil = unset).
    public var lastNDays: Int? = nil
    /// Server version 200+: specific `yyyyMMdd` dates.
    public var specificDates: [Int] = []

    public init() {}
}

/// reqExecutions (7).
public struct TWSReqExecutions: TWSMessageLayout {
    public var reqId: Int = 0
    public var execFilter = TWSExecutionFilter()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(3)
        try c.int(&reqId, "reqId")
        try c.int(&execFilter.clientId, "execFilter.clientId")
        try c.string(&execFilter.acctCode, "execFilter.acctCode")
        try c.string(&execFilter.time, "execFilter.time")
        try c.string(&execFilter.symbol, "execFilter.symbol")
        try c.string(&execFilter.secType, "execFilter.secType")
        try c.string(&execFilter.exchange, "execFilter.exchange")
        try c.string(&execFilter.side, "execFilter.side")
        if c.serverVersion >= TWSServerVersion.parametrizedDaysOfExecutions {
            try c.int(&execFilter.lastNDays, "execFilter.lastNDays", unset: .sentinel)
            try c.list(&execFilter.specificDates, "execFilter.specificDates", makeElement: { 0 }) { d, c in
                try c.int(&d, "$")
            }
        }
    }
}

/// cancelOrder (4).
public struct TWSCancelOrder: TWSMessageLayout {
    public var orderId: Int = 0
    public var manualOrderCancelTime: String = ""
    public var extOperator: String = ""
    public var manualOrderIndicator: Int? = nil

    public init() {}

    /// A cancel of `orderId`.
    public init(orderId: Int) {
        self.orderId = orderId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        let v = c.serverVersion
        if v < TWSServerVersion.cmeTaggingFields { try c.version(1) }
        try c.int(&orderId, "orderId")
        if v >= TWSServerVersion.manualOrderTime {
            try c.string(&manualOrderCancelTime, "orderCancel.manualOrderCancelTime")
        }
        if v >= TWSServerVersion.rfqFields && v < TWSServerVersion.undoRfqFields {
            try c.placeholder("", "_rfqExtOperator")
            try c.placeholder("", "_rfqExternalUserId")
            try c.placeholder("2147483647", "_rfqManualOrderIndicator")
        }
        if v >= TWSServerVersion.cmeTaggingFields {
            try c.string(&extOperator, "orderCancel.extOperator")
            try c.int(&manualOrderIndicator, "orderCancel.manualOrderIndicator", unset: .sentinel)
        }
    }
}

/// reqGlobalCancel (58): cancels every open order of every client.
public struct TWSReqGlobalCancel: TWSMessageLayout {
    public var extOperator: String = ""
    public var manualOrderIndicator: Int? = nil

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        if c.serverVersion < TWSServerVersion.cmeTaggingFields {
            try c.version(1)
        } else {
            try c.string(&extOperator, "orderCancel.extOperator")
            try c.int(&manualOrderIndicator, "orderCancel.manualOrderIndicator", unset: .sentinel)
        }
    }
}

/// reqAccountUpdatesMulti (76).
public struct TWSReqAccountUpdatesMulti: TWSMessageLayout {
    public var reqId: Int = 0
    public var account: String = ""
    public var modelCode: String = ""
    public var ledgerAndNLV: Bool = false

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.version(1)
        try c.int(&reqId, "reqId")
        try c.string(&account, "account")
        try c.string(&modelCode, "modelCode")
        try c.bool(&ledgerAndNLV, "ledgerAndNLV")
    }
}
