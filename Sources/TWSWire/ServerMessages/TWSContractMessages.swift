/// contractDetails (CONTRACT_DATA, 10).
public struct TWSContractData: TWSMessageLayout {
    public var reqId: Int = -1
    public var contractDetails = TWSContractDetails()

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        if c.serverVersion < TWSServerVersion.sizeRules { try c.version(8) }
        try c.int(&reqId, "reqId")
        try c.nested("contractDetails") { c in try contractDetails.code(&c) }
    }
}

extension TWSContractDetails {
    /// The details layout after reqId (names relative to `contractDetails`).
    mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.string(&contract.symbol, "contract.symbol")
        try c.string(&contract.secType, "contract.secType")
        // IB sends "date[ time[ zone]]" in one field; the official decoder splits it.
        switch c.direction {
        case .decode:
            var raw = ""
            try c.string(&raw, "_lastTradeDateOrContractMonth")
            let parts = raw.contains("-") ? raw.split(separator: "-") : raw.split(separator: " ")
            contract.lastTradeDateOrContractMonth = parts.first.map(String.init) ?? ""
            if parts.count > 1 { lastTradeTime = String(parts[1]) }
        case .encode:
            var raw = contract.lastTradeDateOrContractMonth + (lastTradeTime.isEmpty ? "" : " " + lastTradeTime)
            try c.string(&raw, "_lastTradeDateOrContractMonth")
        case .render:
            try c.string(&contract.lastTradeDateOrContractMonth, "contract.lastTradeDateOrContractMonth")
            try c.string(&lastTradeTime, "lastTradeTime")
        }
        if c.serverVersion >= TWSServerVersion.lastTradeDate {
            try c.string(&contract.lastTradeDate, "contract.lastTradeDate")
        }
        try c.double(&contract.strike, "contract.strike")
        try c.string(&contract.right, "contract.right")
        try c.string(&contract.exchange, "contract.exchange")
        try c.string(&contract.currency, "contract.currency")
        try c.string(&contract.localSymbol, "contract.localSymbol")
        try c.string(&marketName, "marketName")
        try c.string(&contract.tradingClass, "contract.tradingClass")
        try c.int(&contract.conId, "contract.conId")
        try c.double(&minTick, "minTick")
        if c.serverVersion < TWSServerVersion.sizeRules { try c.placeholder("1", "_mdSizeMultiplier") }
        try c.string(&contract.multiplier, "contract.multiplier")
        try c.string(&orderTypes, "orderTypes")
        try c.string(&validExchanges, "validExchanges")
        try c.int(&priceMagnifier, "priceMagnifier")
        try c.int(&underConId, "underConId")
        try c.escapedString(&longName, "longName")
        try c.string(&contract.primaryExchange, "contract.primaryExchange")
        try c.string(&contractMonth, "contractMonth")
        try c.string(&industry, "industry")
        try c.string(&category, "category")
        try c.string(&subcategory, "subcategory")
        try c.string(&timeZoneId, "timeZoneId")
        try c.string(&tradingHours, "tradingHours")
        try c.string(&liquidHours, "liquidHours")
        try c.string(&evRule, "evRule")
        try c.int(&evMultiplier, "evMultiplier")
        try c.tagValues(&secIdList, "secIdList")
        try c.int(&aggGroup, "aggGroup", unset: .sentinel)
        try c.string(&underSymbol, "underSymbol")
        try c.string(&underSecType, "underSecType")
        try c.string(&marketRuleIds, "marketRuleIds")
        try c.string(&realExpirationDate, "realExpirationDate")
        try c.string(&stockType, "stockType")
        if c.serverVersion >= TWSServerVersion.fractionalSizeSupport && c.serverVersion < TWSServerVersion.sizeRules {
            try c.placeholder("", "_sizeMinTick")
        }
        if c.serverVersion >= TWSServerVersion.sizeRules {
            try c.decimal(&minSize, "minSize")
            try c.decimal(&sizeIncrement, "sizeIncrement")
            try c.decimal(&suggestedSizeIncrement, "suggestedSizeIncrement")
        }
        if c.serverVersion >= TWSServerVersion.fundDataFields && contract.secType == "FUND" {
            try c.string(&fund.fundName, "fundName")
            try c.string(&fund.fundFamily, "fundFamily")
            try c.string(&fund.fundType, "fundType")
            try c.string(&fund.fundFrontLoad, "fundFrontLoad")
            try c.string(&fund.fundBackLoad, "fundBackLoad")
            try c.string(&fund.fundBackLoadTimeInterval, "fundBackLoadTimeInterval")
            try c.string(&fund.fundManagementFee, "fundManagementFee")
            try c.bool(&fund.fundClosed, "fundClosed")
            try c.bool(&fund.fundClosedForNewInvestors, "fundClosedForNewInvestors")
            try c.bool(&fund.fundClosedForNewMoney, "fundClosedForNewMoney")
            try c.string(&fund.fundNotifyAmount, "fundNotifyAmount")
            try c.string(&fund.fundMinimumInitialPurchase, "fundMinimumInitialPurchase")
            try c.string(&fund.fundSubsequentMinimumPurchase, "fundSubsequentMinimumPurchase")
            try c.string(&fund.fundBlueSkyStates, "fundBlueSkyStates")
            try c.string(&fund.fundBlueSkyTerritories, "fundBlueSkyTerritories")
            try c.string(&fund.fundDistributionPolicyIndicator, "fundDistributionPolicyIndicator")
            try c.string(&fund.fundAssetType, "fundAssetType")
        }
        if c.serverVersion >= TWSServerVersion.ineligibilityReasons {
            try c.list(&ineligibilityReasonList, "ineligibilityReasonList", makeElement: TWSIneligibilityReason.init) {
                r, c in
                try c.string(&r.id_, "id_")
                try c.string(&r.description, "description")
            }
        }
    }
}

/// securityDefinitionOptionParameter (75): expirations and strikes of one exchange/trading class.
public struct TWSSecurityDefinitionOptionParameter: TWSMessageLayout {
    public var reqId: Int = 0
    public var exchange: String = ""
    public var underlyingConId: Int = 0
    public var tradingClass: String = ""
    public var multiplier: String = ""
    /// `YYYYMMDD` expirations.
    public var expirations: [String] = []
    public var strikes: [Double] = []

    public init() {}

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
        try c.string(&exchange, "exchange")
        try c.int(&underlyingConId, "underlyingConId")
        try c.string(&tradingClass, "tradingClass")
        try c.string(&multiplier, "multiplier")
        try c.list(&expirations, "expirations", makeElement: { "" }) { e, c in try c.string(&e, "$") }
        try c.list(&strikes, "strikes", makeElement: { 0 }) { s, c in try c.double(&s, "$") }
    }
}

/// securityDefinitionOptionParameterEnd (76): no version field, just the request id.
public struct TWSSecurityDefinitionOptionParameterEnd: TWSMessageLayout {
    public var reqId: Int = 0

    public init() {}

    /// The end marker for `reqId`.
    public init(reqId: Int) {
        self.reqId = reqId
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&reqId, "reqId")
    }
}
