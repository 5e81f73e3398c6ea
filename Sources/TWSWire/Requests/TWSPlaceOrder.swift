/// placeOrder (3): a single-leg or BAG (combo) order, laid out exactly as IB's official client
/// writes it at the negotiated version.
public struct TWSPlaceOrder: TWSMessageLayout {
    public var orderId: Int = 0
    public var contract = TWSContract()
    public var order = TWSOrder()

    public init() {}

    /// An order for `contract`.
    public init(orderId: Int, contract: TWSContract, order: TWSOrder) {
        self.orderId = orderId
        self.contract = contract
        self.order = order
    }

    public mutating func code<C: TWSCoder>(_ c: inout C) throws {
        let v = c.serverVersion
        try c.int(&orderId, "orderId")
        try c.requestContract(&contract)
        try c.string(&contract.secIdType, "contract.secIdType")
        try c.string(&contract.secId, "contract.secId")
        var o = order
        defer { order = o }
        try c.string(&o.action, "order.action")
        try c.decimal(&o.totalQuantity, "order.totalQuantity")
        try c.string(&o.orderType, "order.orderType")
        try c.double(&o.lmtPrice, "order.lmtPrice", unset: .empty)
        try c.double(&o.auxPrice, "order.auxPrice", unset: .empty)
        try c.string(&o.tif, "order.tif")
        try c.string(&o.ocaGroup, "order.ocaGroup")
        try c.string(&o.account, "order.account")
        try c.string(&o.openClose, "order.openClose")
        try c.int(&o.origin, "order.origin")
        try c.string(&o.orderRef, "order.orderRef")
        try c.bool(&o.transmit, "order.transmit")
        try c.int(&o.parentId, "order.parentId")
        try c.bool(&o.blockOrder, "order.blockOrder")
        try c.bool(&o.sweepToFill, "order.sweepToFill")
        try c.int(&o.displaySize, "order.displaySize", unset: .sentinel)
        try c.int(&o.triggerMethod, "order.triggerMethod")
        try c.bool(&o.outsideRth, "order.outsideRth")
        try c.bool(&o.hidden, "order.hidden")
        if contract.secType == "BAG" {
            try c.list(&contract.comboLegs, "contract.comboLegs", makeElement: TWSComboLeg.init) { leg, c in
                try c.comboLeg(&leg, full: true)
            }
            try c.list(&o.orderComboLegs, "order.orderComboLegs", makeElement: { nil }) { price, c in
                try c.double(&price, "price", unset: .empty)
            }
            try c.tagValues(&o.smartComboRoutingParams, "order.smartComboRoutingParams")
        }
        try c.placeholder("", "_sharesAllocation")
        try c.compactDouble(&o.discretionaryAmt, "order.discretionaryAmt")
        try c.string(&o.goodAfterTime, "order.goodAfterTime")
        try c.string(&o.goodTillDate, "order.goodTillDate")
        try c.string(&o.faGroup, "order.faGroup")
        try c.string(&o.faMethod, "order.faMethod")
        try c.string(&o.faPercentage, "order.faPercentage")
        if v < TWSServerVersion.faProfileDesupport { try c.placeholder("", "_faProfile") }
        try c.string(&o.modelCode, "order.modelCode")
        try c.int(&o.shortSaleSlot, "order.shortSaleSlot")
        try c.string(&o.designatedLocation, "order.designatedLocation")
        try c.int(&o.exemptCode, "order.exemptCode")
        try c.int(&o.ocaType, "order.ocaType")
        try c.string(&o.rule80A, "order.rule80A")
        try c.string(&o.settlingFirm, "order.settlingFirm")
        try c.bool(&o.allOrNone, "order.allOrNone")
        try c.int(&o.minQty, "order.minQty", unset: .empty)
        try c.double(&o.percentOffset, "order.percentOffset", unset: .empty)
        try c.placeholder("0", "_eTradeOnly")
        try c.placeholder("0", "_firmQuoteOnly")
        try c.placeholder("", "_nbboPriceCap")
        try c.int(&o.auctionStrategy, "order.auctionStrategy")
        try c.double(&o.startingPrice, "order.startingPrice", unset: .empty)
        try c.double(&o.stockRefPrice, "order.stockRefPrice", unset: .empty)
        try c.double(&o.delta, "order.delta", unset: .empty)
        try c.double(&o.stockRangeLower, "order.stockRangeLower", unset: .empty)
        try c.double(&o.stockRangeUpper, "order.stockRangeUpper", unset: .empty)
        try c.bool(&o.overridePercentageConstraints, "order.overridePercentageConstraints")
        try c.double(&o.volatility, "order.volatility", unset: .empty)
        try c.int(&o.volatilityType, "order.volatilityType", unset: .empty)
        try c.string(&o.deltaNeutralOrderType, "order.deltaNeutralOrderType")
        try c.double(&o.deltaNeutralAuxPrice, "order.deltaNeutralAuxPrice", unset: .empty)
        if !o.deltaNeutralOrderType.isEmpty {
            try c.int(&o.deltaNeutralConId, "order.deltaNeutralConId")
            try c.string(&o.deltaNeutralSettlingFirm, "order.deltaNeutralSettlingFirm")
            try c.string(&o.deltaNeutralClearingAccount, "order.deltaNeutralClearingAccount")
            try c.string(&o.deltaNeutralClearingIntent, "order.deltaNeutralClearingIntent")
            try c.string(&o.deltaNeutralOpenClose, "order.deltaNeutralOpenClose")
            try c.bool(&o.deltaNeutralShortSale, "order.deltaNeutralShortSale")
            try c.int(&o.deltaNeutralShortSaleSlot, "order.deltaNeutralShortSaleSlot")
            try c.string(&o.deltaNeutralDesignatedLocation, "order.deltaNeutralDesignatedLocation")
        }
        try c.bool(&o.continuousUpdate, "order.continuousUpdate")
        try c.int(&o.referencePriceType, "order.referencePriceType", unset: .empty)
        try c.double(&o.trailStopPrice, "order.trailStopPrice", unset: .empty)
        try c.double(&o.trailingPercent, "order.trailingPercent", unset: .empty)
        try c.int(&o.scaleInitLevelSize, "order.scaleInitLevelSize", unset: .empty)
        try c.int(&o.scaleSubsLevelSize, "order.scaleSubsLevelSize", unset: .empty)
        try c.double(&o.scalePriceIncrement, "order.scalePriceIncrement", unset: .empty)
        if let increment = o.scalePriceIncrement, increment > 0 {
            try c.double(&o.scalePriceAdjustValue, "order.scalePriceAdjustValue", unset: .empty)
            try c.int(&o.scalePriceAdjustInterval, "order.scalePriceAdjustInterval", unset: .empty)
            try c.double(&o.scaleProfitOffset, "order.scaleProfitOffset", unset: .empty)
            try c.bool(&o.scaleAutoReset, "order.scaleAutoReset")
            try c.int(&o.scaleInitPosition, "order.scaleInitPosition", unset: .empty)
            try c.int(&o.scaleInitFillQty, "order.scaleInitFillQty", unset: .empty)
            try c.bool(&o.scaleRandomPercent, "order.scaleRandomPercent")
        }
        try c.string(&o.scaleTable, "order.scaleTable")
        try c.string(&o.activeStartTime, "order.activeStartTime")
        try c.string(&o.activeStopTime, "order.activeStopTime")
        try c.string(&o.hedgeType, "order.hedgeType")
        if !o.hedgeType.isEmpty { try c.string(&o.hedgeParam, "order.hedgeParam") }
        try c.bool(&o.optOutSmartRouting, "order.optOutSmartRouting")
        try c.string(&o.clearingAccount, "order.clearingAccount")
        try c.string(&o.clearingIntent, "order.clearingIntent")
        try c.bool(&o.notHeld, "order.notHeld")
        try c.deltaNeutralContract(&contract.deltaNeutralContract)
        try c.string(&o.algoStrategy, "order.algoStrategy")
        if !o.algoStrategy.isEmpty { try c.tagValues(&o.algoParams, "order.algoParams") }
        try c.string(&o.algoId, "order.algoId")
        try c.bool(&o.whatIf, "order.whatIf")
        try c.placeholder("", "_miscOptions")
        try c.bool(&o.solicited, "order.solicited")
        try c.bool(&o.randomizeSize, "order.randomizeSize")
        try c.bool(&o.randomizePrice, "order.randomizePrice")
        if o.orderType == "PEG BENCH" || o.orderType == "PEGBENCH" {
            try c.int(&o.referenceContractId, "order.referenceContractId")
            try c.bool(&o.isPeggedChangeAmountDecrease, "order.isPeggedChangeAmountDecrease")
            try c.double(&o.peggedChangeAmount, "order.peggedChangeAmount")
            try c.double(&o.referenceChangeAmount, "order.referenceChangeAmount")
            try c.string(&o.referenceExchangeId, "order.referenceExchangeId")
        }
        try c.orderConditions(&o)
        try c.string(&o.adjustedOrderType, "order.adjustedOrderType")
        try c.double(&o.triggerPrice, "order.triggerPrice")
        try c.double(&o.lmtPriceOffset, "order.lmtPriceOffset")
        try c.double(&o.adjustedStopPrice, "order.adjustedStopPrice")
        try c.double(&o.adjustedStopLimitPrice, "order.adjustedStopLimitPrice")
        try c.double(&o.adjustedTrailingAmount, "order.adjustedTrailingAmount")
        try c.int(&o.adjustableTrailingUnit, "order.adjustableTrailingUnit")
        try c.string(&o.extOperator, "order.extOperator")
        try c.string(&o.softDollarTier.name, "order.softDollarTier.name")
        try c.string(&o.softDollarTier.value, "order.softDollarTier.value")
        try c.double(&o.cashQty, "order.cashQty")
        try c.string(&o.mifid2DecisionMaker, "order.mifid2DecisionMaker")
        try c.string(&o.mifid2DecisionAlgo, "order.mifid2DecisionAlgo")
        try c.string(&o.mifid2ExecutionTrader, "order.mifid2ExecutionTrader")
        try c.string(&o.mifid2ExecutionAlgo, "order.mifid2ExecutionAlgo")
        try c.bool(&o.dontUseAutoPriceForHedge, "order.dontUseAutoPriceForHedge")
        try c.bool(&o.isOmsContainer, "order.isOmsContainer")
        try c.bool(&o.discretionaryUpToLimitPrice, "order.discretionaryUpToLimitPrice")
        try c.optionalBool(&o.usePriceMgmtAlgo, "order.usePriceMgmtAlgo")
        if v >= TWSServerVersion.duration { try c.int(&o.duration, "order.duration", unset: .sentinel) }
        if v >= TWSServerVersion.postToAts { try c.int(&o.postToAts, "order.postToAts", unset: .sentinel) }
        if v >= TWSServerVersion.autoCancelParent { try c.bool(&o.autoCancelParent, "order.autoCancelParent") }
        try c.string(&o.advancedErrorOverride, "order.advancedErrorOverride")
        try c.string(&o.manualOrderTime, "order.manualOrderTime")
        if v >= TWSServerVersion.pegBestPegMidOffsets {
            var sendMidOffsets = false
            if contract.exchange == "IBKRATS" { try c.int(&o.minTradeQty, "order.minTradeQty", unset: .empty) }
            if o.orderType == "PEG BEST" || o.orderType == "PEGBEST" {
                try c.int(&o.minCompeteSize, "order.minCompeteSize", unset: .empty)
                try c.double(&o.competeAgainstBestOffset, "order.competeAgainstBestOffset", unset: .empty)
                // IB's COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID is +infinity.
                sendMidOffsets = o.competeAgainstBestOffset == .infinity
            } else if o.orderType == "PEG MID" || o.orderType == "PEGMID" {
                sendMidOffsets = true
            }
            if sendMidOffsets {
                try c.double(&o.midOffsetAtWhole, "order.midOffsetAtWhole", unset: .empty)
                try c.double(&o.midOffsetAtHalf, "order.midOffsetAtHalf", unset: .empty)
            }
        }
        if v >= TWSServerVersion.customerAccount { try c.string(&o.customerAccount, "order.customerAccount") }
        if v >= TWSServerVersion.professionalCustomer {
            try c.bool(&o.professionalCustomer, "order.professionalCustomer")
        }
        if v >= TWSServerVersion.rfqFields && v < TWSServerVersion.undoRfqFields {
            try c.placeholder("", "_rfqExternalUserId")
            try c.placeholder("2147483647", "_rfqManualOrderIndicator")
        }
        if v >= TWSServerVersion.includeOvernight { try c.bool(&o.includeOvernight, "order.includeOvernight") }
        if v >= TWSServerVersion.cmeTaggingFields {
            try c.int(&o.manualOrderIndicator, "order.manualOrderIndicator", unset: .sentinel)
        }
        if v >= TWSServerVersion.imbalanceOnly { try c.bool(&o.imbalanceOnly, "order.imbalanceOnly") }
    }
}

extension TWSCoder {
    /// A double the official client holds as a Python int by default (e.g. `discretionaryAmt = 0`):
    /// integral values are written without `.0` so the bytes match its bytes.
    mutating func compactDouble(_ value: inout Double, _ name: StaticString) throws {
        if direction == .encode, value == value.rounded(), abs(value) < 1e15 {
            var asInt = Int(value)
            try int(&asInt, name)
            return
        }
        try double(&value, name)
    }
}
