/// IB's `Execution`: one fill.
public struct TWSExecution: Sendable, Hashable {
    public var execId: String = ""
    /// `yyyyMMdd  HH:mm:ss` or `yyyyMMdd HH:mm:ss <zone>`.
    public var time: String = ""
    public var acctNumber: String = ""
    public var exchange: String = ""
    /// `BOT` or `SLD`.
    public var side: String = ""
    public var shares: TWSDecimal? = nil
    public var price: Double = 0
    public var permId: Int = 0
    public var clientId: Int = 0
    public var orderId: Int = 0
    public var liquidation: Int = 0
    public var cumQty: TWSDecimal? = nil
    public var avgPrice: Double = 0
    public var orderRef: String = ""
    public var evRule: String = ""
    public var evMultiplier: Double? = 0
    public var modelCode: String = ""
    public var lastLiquidity: Int = 0
    public var pendingPriceRevision: Bool = false
    public var submitter: String = ""

    public init() {}
}

/// IB's `CommissionAndFeesReport` for one execution.
public struct TWSCommissionAndFeesReport: Sendable, Hashable {
    public var execId: String = ""
    public var commissionAndFees: Double? = nil
    public var currency: String = ""
    public var realizedPNL: Double? = nil
    public var yield_: Double? = nil
    public var yieldRedemptionDate: Int = 0

    public init() {}
}

/// IB's `BarData`.
public struct TWSBar: Sendable, Hashable {
    /// `yyyyMMdd` for daily bars, `yyyyMMdd HH:mm:ss <zone>` intraday.
    public var date: String = ""
    public var open: Double = 0
    public var high: Double = 0
    public var low: Double = 0
    public var close: Double = 0
    public var volume: TWSDecimal? = nil
    public var wap: TWSDecimal? = nil
    public var barCount: Int = 0

    public init() {}

    /// A bar from its values.
    public init(
        date: String, open: Double, high: Double, low: Double, close: Double, volume: TWSDecimal?,
        wap: TWSDecimal?, barCount: Int
    ) {
        self.date = date
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.wap = wap
        self.barCount = barCount
    }
}

/// IB's `ContractDetails`.
public struct TWSContractDetails: Sendable, Hashable {
    public var contract = TWSContract()
    public var marketName: String = ""
    public var minTick: Double = 0
    public var orderTypes: String = ""
    public var validExchanges: String = ""
    public var priceMagnifier: Int = 0
    public var underConId: Int = 0
    public var longName: String = ""
    public var contractMonth: String = ""
    public var industry: String = ""
    public var category: String = ""
    public var subcategory: String = ""
    public var timeZoneId: String = ""
    public var tradingHours: String = ""
    public var liquidHours: String = ""
    public var evRule: String = ""
    public var evMultiplier: Int = 0
    public var secIdList: [TWSTagValue] = []
    public var aggGroup: Int? = nil
    public var underSymbol: String = ""
    public var underSecType: String = ""
    public var marketRuleIds: String = ""
    public var realExpirationDate: String = ""
    public var lastTradeTime: String = ""
    public var stockType: String = ""
    public var minSize: TWSDecimal? = nil
    public var sizeIncrement: TWSDecimal? = nil
    public var suggestedSizeIncrement: TWSDecimal? = nil
    public var fund = TWSFundData()
    public var ineligibilityReasonList: [TWSIneligibilityReason] = []

    public init() {}
}

/// Mutual-fund attributes of `ContractDetails` (sent only for secType FUND).
public struct TWSFundData: Sendable, Hashable {
    public var fundName: String = ""
    public var fundFamily: String = ""
    public var fundType: String = ""
    public var fundFrontLoad: String = ""
    public var fundBackLoad: String = ""
    public var fundBackLoadTimeInterval: String = ""
    public var fundManagementFee: String = ""
    public var fundClosed: Bool = false
    public var fundClosedForNewInvestors: Bool = false
    public var fundClosedForNewMoney: Bool = false
    public var fundNotifyAmount: String = ""
    public var fundMinimumInitialPurchase: String = ""
    public var fundSubsequentMinimumPurchase: String = ""
    public var fundBlueSkyStates: String = ""
    public var fundBlueSkyTerritories: String = ""
    public var fundDistributionPolicyIndicator: String = ""
    public var fundAssetType: String = ""

    public init() {}
}

/// IB's `IneligibilityReason`.
public struct TWSIneligibilityReason: Sendable, Hashable {
    public var id_: String = ""
    public var description: String = ""

    public init() {}
}
