/// IB's `Order`, with the official attribute names. Unset numeric attributes are nil.
public struct TWSOrder: Sendable, Hashable {
    // MARK: Identity
    public var orderId: Int = 0
    public var clientId: Int = 0
    public var permId: Int = 0
    public var parentId: Int = 0
    public var parentPermId: Int? = nil

    // MARK: Main order fields
    /// `BUY` or `SELL`.
    public var action: String = ""
    public var totalQuantity: TWSDecimal? = nil
    /// `LMT`, `MKT`, ...
    public var orderType: String = ""
    public var lmtPrice: Double? = nil
    public var auxPrice: Double? = nil
    /// `DAY`, `GTC`, ...
    public var tif: String = ""
    public var activeStartTime: String = ""
    public var activeStopTime: String = ""
    public var ocaGroup: String = ""
    public var ocaType: Int = 0
    /// Free text that survives in executions: the key for idempotent resubmission.
    public var orderRef: String = ""
    public var transmit: Bool = true
    public var blockOrder: Bool = false
    public var sweepToFill: Bool = false
    public var displaySize: Int? = 0
    public var triggerMethod: Int = 0
    public var outsideRth: Bool = false
    public var hidden: Bool = false
    public var goodAfterTime: String = ""
    public var goodTillDate: String = ""
    public var rule80A: String = ""
    public var allOrNone: Bool = false
    public var minQty: Int? = nil
    public var percentOffset: Double? = nil
    public var overridePercentageConstraints: Bool = false
    public var trailStopPrice: Double? = nil
    public var trailingPercent: Double? = nil

    // MARK: Financial advisors and clearing
    public var faGroup: String = ""
    public var faMethod: String = ""
    public var faPercentage: String = ""
    public var designatedLocation: String = ""
    public var openClose: String = ""
    public var origin: Int = 0
    public var shortSaleSlot: Int = 0
    public var exemptCode: Int = -1
    public var discretionaryAmt: Double = 0
    public var optOutSmartRouting: Bool = false
    public var account: String = ""
    public var settlingFirm: String = ""
    public var clearingAccount: String = ""
    public var clearingIntent: String = ""
    public var modelCode: String = ""

    // MARK: Box, pegged and volatility orders
    public var auctionStrategy: Int = 0
    public var startingPrice: Double? = nil
    public var stockRefPrice: Double? = nil
    public var delta: Double? = nil
    public var stockRangeLower: Double? = nil
    public var stockRangeUpper: Double? = nil
    public var randomizePrice: Bool = false
    public var randomizeSize: Bool = false
    public var volatility: Double? = nil
    public var volatilityType: Int? = nil
    public var deltaNeutralOrderType: String = ""
    public var deltaNeutralAuxPrice: Double? = nil
    public var deltaNeutralConId: Int = 0
    public var deltaNeutralSettlingFirm: String = ""
    public var deltaNeutralClearingAccount: String = ""
    public var deltaNeutralClearingIntent: String = ""
    public var deltaNeutralOpenClose: String = ""
    public var deltaNeutralShortSale: Bool = false
    public var deltaNeutralShortSaleSlot: Int = 0
    public var deltaNeutralDesignatedLocation: String = ""
    public var continuousUpdate: Bool = false
    public var referencePriceType: Int? = nil
    public var basisPoints: Double? = nil
    public var basisPointsType: Int? = nil

    // MARK: Scale orders
    public var scaleInitLevelSize: Int? = nil
    public var scaleSubsLevelSize: Int? = nil
    public var scalePriceIncrement: Double? = nil
    public var scalePriceAdjustValue: Double? = nil
    public var scalePriceAdjustInterval: Int? = nil
    public var scaleProfitOffset: Double? = nil
    public var scaleAutoReset: Bool = false
    public var scaleInitPosition: Int? = nil
    public var scaleInitFillQty: Int? = nil
    public var scaleRandomPercent: Bool = false
    public var scaleTable: String = ""

    // MARK: Hedge, algo, combos
    public var hedgeType: String = ""
    public var hedgeParam: String = ""
    public var algoStrategy: String = ""
    public var algoParams: [TWSTagValue] = []
    public var algoId: String = ""
    public var smartComboRoutingParams: [TWSTagValue] = []
    /// Per-leg prices of a combo order.
    public var orderComboLegs: [Double?] = []
    public var whatIf: Bool = false
    public var notHeld: Bool = false
    public var solicited: Bool = false

    // MARK: Pegged to benchmark, conditions, adjusted orders
    public var referenceContractId: Int = 0
    public var isPeggedChangeAmountDecrease: Bool = false
    public var peggedChangeAmount: Double = 0
    public var referenceChangeAmount: Double = 0
    public var referenceExchangeId: String = ""
    public var conditions: [TWSOrderCondition] = []
    public var conditionsIgnoreRth: Bool = false
    public var conditionsCancelOrder: Bool = false
    public var adjustedOrderType: String = ""
    public var triggerPrice: Double? = nil
    public var lmtPriceOffset: Double? = nil
    public var adjustedStopPrice: Double? = nil
    public var adjustedStopLimitPrice: Double? = nil
    public var adjustedTrailingAmount: Double? = nil
    public var adjustableTrailingUnit: Int = 0

    // MARK: Newer attributes
    public var extOperator: String = ""
    public var softDollarTier: TWSSoftDollarTier = TWSSoftDollarTier()
    public var cashQty: Double? = nil
    public var mifid2DecisionMaker: String = ""
    public var mifid2DecisionAlgo: String = ""
    public var mifid2ExecutionTrader: String = ""
    public var mifid2ExecutionAlgo: String = ""
    public var dontUseAutoPriceForHedge: Bool = false
    public var isOmsContainer: Bool = false
    public var discretionaryUpToLimitPrice: Bool = false
    public var autoCancelDate: String = ""
    public var filledQuantity: TWSDecimal? = nil
    public var refFuturesConId: Int? = nil
    public var autoCancelParent: Bool = false
    public var shareholder: String = ""
    public var imbalanceOnly: Bool = false
    public var routeMarketableToBbo: Bool = false
    /// nil = not set (sent empty), else 1/0.
    public var usePriceMgmtAlgo: Bool? = nil
    public var duration: Int? = nil
    public var postToAts: Int? = nil
    public var advancedErrorOverride: String = ""
    public var manualOrderTime: String = ""
    public var minTradeQty: Int? = nil
    public var minCompeteSize: Int? = nil
    public var competeAgainstBestOffset: Double? = nil
    public var midOffsetAtWhole: Double? = nil
    public var midOffsetAtHalf: Double? = nil
    public var customerAccount: String = ""
    public var professionalCustomer: Bool = false
    public var bondAccruedInterest: String = ""
    public var includeOvernight: Bool = false
    public var manualOrderIndicator: Int? = nil
    public var submitter: String = ""

    public init() {}
}

/// IB's `SoftDollarTier`.
public struct TWSSoftDollarTier: Sendable, Hashable {
    public var name: String = ""
    public var value: String = ""
    public var displayName: String = ""

    public init() {}
}

/// IB's `OrderState`: status plus what-if margin and commission figures (kept as IB's text).
public struct TWSOrderState: Sendable, Hashable {
    public var status: String = ""
    public var initMarginBefore: String = ""
    public var maintMarginBefore: String = ""
    public var equityWithLoanBefore: String = ""
    public var initMarginChange: String = ""
    public var maintMarginChange: String = ""
    public var equityWithLoanChange: String = ""
    public var initMarginAfter: String = ""
    public var maintMarginAfter: String = ""
    public var equityWithLoanAfter: String = ""
    public var commissionAndFees: Double? = nil
    public var minCommissionAndFees: Double? = nil
    public var maxCommissionAndFees: Double? = nil
    public var commissionAndFeesCurrency: String = ""
    public var marginCurrency: String = ""
    public var initMarginBeforeOutsideRTH: Double? = nil
    public var maintMarginBeforeOutsideRTH: Double? = nil
    public var equityWithLoanBeforeOutsideRTH: Double? = nil
    public var initMarginChangeOutsideRTH: Double? = nil
    public var maintMarginChangeOutsideRTH: Double? = nil
    public var equityWithLoanChangeOutsideRTH: Double? = nil
    public var initMarginAfterOutsideRTH: Double? = nil
    public var maintMarginAfterOutsideRTH: Double? = nil
    public var equityWithLoanAfterOutsideRTH: Double? = nil
    public var suggestedSize: TWSDecimal? = nil
    public var rejectReason: String = ""
    public var orderAllocations: [TWSOrderAllocation] = []
    public var warningText: String = ""
    public var completedTime: String = ""
    public var completedStatus: String = ""

    public init() {}
}

/// IB's `OrderAllocation` (advisor accounts in what-if previews).
public struct TWSOrderAllocation: Sendable, Hashable {
    public var account: String = ""
    public var position: TWSDecimal? = nil
    public var positionDesired: TWSDecimal? = nil
    public var positionAfter: TWSDecimal? = nil
    public var desiredAllocQty: TWSDecimal? = nil
    public var allowedAllocQty: TWSDecimal? = nil
    public var isMonetary: Bool = false

    public init() {}
}

/// IB's order conditions (price, time, margin, execution, volume, percent change).
public struct TWSOrderCondition: Sendable, Hashable {
    /// 1 price, 3 time, 4 margin, 5 execution, 6 volume, 7 percent change.
    public var condType: Int = 0
    public var isConjunctionConnection: Bool = true
    public var isMore: Bool = false
    /// Price, percent, time or volume as IB's text.
    public var value: String = ""
    public var conId: Int = 0
    public var exchange: String = ""
    public var triggerMethod: Int = 0
    public var secType: String = ""
    public var symbol: String = ""

    public init() {}

    var hasOperator: Bool { [1, 3, 4, 6, 7].contains(condType) }
    var hasContract: Bool { [1, 6, 7].contains(condType) }
}

extension TWSOrderCondition {
    /// The condition's fields after its type, as IB's `OrderCondition.decode` reads them.
    mutating func code<C: TWSCoder>(_ c: inout C) throws {
        try c.int(&condType, "condType")
        try c.conjunction(&isConjunctionConnection, "isConjunctionConnection")
        switch condType {
        case 5:
            try c.string(&secType, "secType")
            try c.string(&exchange, "exchange")
            try c.string(&symbol, "symbol")
            return
        case 1, 3, 4, 6, 7:
            try c.bool(&isMore, "isMore")
        default:
            throw TWSWireError(.malformedField, "unknown order condition type \(condType)")
        }
        switch condType {
        case 1: try c.string(&value, "price")
        case 3: try c.string(&value, "time")
        case 4: try c.string(&value, "percent")
        case 6: try c.string(&value, "volume")
        default: try c.string(&value, "changePercent")
        }
        if hasContract {
            try c.int(&conId, "conId")
            try c.string(&exchange, "exchange")
        }
        if condType == 1 { try c.int(&triggerMethod, "triggerMethod") }
    }
}
