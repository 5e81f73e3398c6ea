/// Which order-bearing message a layout is for; the three share most fields in the same order.
enum TWSOrderLayoutKind {
    case openOrder
    case completedOrder
}

extension TWSCoder {
    /// A bool that IB may leave unset (written empty), e.g. `usePriceMgmtAlgo` in placeOrder.
    mutating func optionalBool(_ value: inout Bool?, _ name: StaticString) throws {
        var asInt: Int? = value.map { $0 ? 1 : 0 }
        try int(&asInt, name, unset: .empty)
        if isDecoding { value = asInt.map { $0 != 0 } }
    }

    /// Order fields of openOrder (server -> client) and completedOrder, after orderId and the
    /// contract, in the official decoder's order.
    mutating func orderBody(
        _ kind: TWSOrderLayoutKind, order o: inout TWSOrder, contract: inout TWSContract,
        state: inout TWSOrderState
    ) throws {
        let open = kind == .openOrder
        try string(&o.action, "order.action")
        try decimal(&o.totalQuantity, "order.totalQuantity")
        try string(&o.orderType, "order.orderType")
        try double(&o.lmtPrice, "order.lmtPrice", unset: .empty)
        try double(&o.auxPrice, "order.auxPrice", unset: .empty)
        try string(&o.tif, "order.tif")
        try string(&o.ocaGroup, "order.ocaGroup")
        try string(&o.account, "order.account")
        try string(&o.openClose, "order.openClose")
        try int(&o.origin, "order.origin")
        try string(&o.orderRef, "order.orderRef")
        if open { try int(&o.clientId, "order.clientId") }
        try int(&o.permId, "order.permId")
        try bool(&o.outsideRth, "order.outsideRth")
        try bool(&o.hidden, "order.hidden")
        try double(&o.discretionaryAmt, "order.discretionaryAmt")
        try string(&o.goodAfterTime, "order.goodAfterTime")
        if open { try placeholder("", "_sharesAllocation") }
        try string(&o.faGroup, "order.faGroup")
        try string(&o.faMethod, "order.faMethod")
        try string(&o.faPercentage, "order.faPercentage")
        if serverVersion < TWSServerVersion.faProfileDesupport { try placeholder("", "_faProfile") }
        try string(&o.modelCode, "order.modelCode")
        try string(&o.goodTillDate, "order.goodTillDate")
        try string(&o.rule80A, "order.rule80A")
        try double(&o.percentOffset, "order.percentOffset", unset: .empty)
        try string(&o.settlingFirm, "order.settlingFirm")
        try int(&o.shortSaleSlot, "order.shortSaleSlot")
        try string(&o.designatedLocation, "order.designatedLocation")
        try int(&o.exemptCode, "order.exemptCode")
        if open { try int(&o.auctionStrategy, "order.auctionStrategy") }
        try double(&o.startingPrice, "order.startingPrice", unset: .empty)
        try double(&o.stockRefPrice, "order.stockRefPrice", unset: .empty)
        try double(&o.delta, "order.delta", unset: .empty)
        try double(&o.stockRangeLower, "order.stockRangeLower", unset: .empty)
        try double(&o.stockRangeUpper, "order.stockRangeUpper", unset: .empty)
        try int(&o.displaySize, "order.displaySize", unset: .empty)
        if open { try bool(&o.blockOrder, "order.blockOrder") }
        try bool(&o.sweepToFill, "order.sweepToFill")
        try bool(&o.allOrNone, "order.allOrNone")
        try int(&o.minQty, "order.minQty", unset: .empty)
        try int(&o.ocaType, "order.ocaType")
        if open {
            try placeholder("0", "_eTradeOnly")
            try placeholder("0", "_firmQuoteOnly")
            try placeholder("", "_nbboPriceCap")
            try int(&o.parentId, "order.parentId")
        }
        try int(&o.triggerMethod, "order.triggerMethod")
        // Volatility orders; the delta-neutral block appears only when deltaNeutralOrderType is set.
        try double(&o.volatility, "order.volatility", unset: .empty)
        try int(&o.volatilityType, "order.volatilityType", unset: .sentinel)
        try string(&o.deltaNeutralOrderType, "order.deltaNeutralOrderType")
        try double(&o.deltaNeutralAuxPrice, "order.deltaNeutralAuxPrice", unset: .empty)
        if !o.deltaNeutralOrderType.isEmpty {
            try int(&o.deltaNeutralConId, "order.deltaNeutralConId")
            if open {
                try string(&o.deltaNeutralSettlingFirm, "order.deltaNeutralSettlingFirm")
                try string(&o.deltaNeutralClearingAccount, "order.deltaNeutralClearingAccount")
                try string(&o.deltaNeutralClearingIntent, "order.deltaNeutralClearingIntent")
                try string(&o.deltaNeutralOpenClose, "order.deltaNeutralOpenClose")
            }
            try bool(&o.deltaNeutralShortSale, "order.deltaNeutralShortSale")
            try int(&o.deltaNeutralShortSaleSlot, "order.deltaNeutralShortSaleSlot")
            try string(&o.deltaNeutralDesignatedLocation, "order.deltaNeutralDesignatedLocation")
        }
        try bool(&o.continuousUpdate, "order.continuousUpdate")
        try int(&o.referencePriceType, "order.referencePriceType", unset: .sentinel)
        try double(&o.trailStopPrice, "order.trailStopPrice", unset: .empty)
        try double(&o.trailingPercent, "order.trailingPercent", unset: .empty)
        if open {
            try double(&o.basisPoints, "order.basisPoints", unset: .empty)
            try int(&o.basisPointsType, "order.basisPointsType", unset: .empty)
        }
        try string(&contract.comboLegsDescrip, "contract.comboLegsDescrip")
        try list(&contract.comboLegs, "contract.comboLegs", makeElement: TWSComboLeg.init) { leg, c in
            try c.comboLeg(&leg, full: true)
        }
        try list(&o.orderComboLegs, "order.orderComboLegs", makeElement: { nil }) { price, c in
            try c.double(&price, "price", unset: .empty)
        }
        try tagValues(&o.smartComboRoutingParams, "order.smartComboRoutingParams")
        try int(&o.scaleInitLevelSize, "order.scaleInitLevelSize", unset: .empty)
        try int(&o.scaleSubsLevelSize, "order.scaleSubsLevelSize", unset: .empty)
        try double(&o.scalePriceIncrement, "order.scalePriceIncrement", unset: .empty)
        if let increment = o.scalePriceIncrement, increment > 0 {
            try double(&o.scalePriceAdjustValue, "order.scalePriceAdjustValue", unset: .empty)
            try int(&o.scalePriceAdjustInterval, "order.scalePriceAdjustInterval", unset: .empty)
            try double(&o.scaleProfitOffset, "order.scaleProfitOffset", unset: .empty)
            try bool(&o.scaleAutoReset, "order.scaleAutoReset")
            try int(&o.scaleInitPosition, "order.scaleInitPosition", unset: .empty)
            try int(&o.scaleInitFillQty, "order.scaleInitFillQty", unset: .empty)
            try bool(&o.scaleRandomPercent, "order.scaleRandomPercent")
        }
        try string(&o.hedgeType, "order.hedgeType")
        if !o.hedgeType.isEmpty { try string(&o.hedgeParam, "order.hedgeParam") }
        if open { try bool(&o.optOutSmartRouting, "order.optOutSmartRouting") }
        try string(&o.clearingAccount, "order.clearingAccount")
        try string(&o.clearingIntent, "order.clearingIntent")
        try bool(&o.notHeld, "order.notHeld")
        try deltaNeutralContract(&contract.deltaNeutralContract)
        try string(&o.algoStrategy, "order.algoStrategy")
        if !o.algoStrategy.isEmpty { try tagValues(&o.algoParams, "order.algoParams") }
        try bool(&o.solicited, "order.solicited")
        if open {
            try bool(&o.whatIf, "order.whatIf")
            try orderStateWhatIf(&state)
        } else {
            try string(&state.status, "orderState.status")
        }
        try bool(&o.randomizeSize, "order.randomizeSize")
        try bool(&o.randomizePrice, "order.randomizePrice")
        if o.orderType == "PEG BENCH" || o.orderType == "PEGBENCH" {
            try int(&o.referenceContractId, "order.referenceContractId")
            try bool(&o.isPeggedChangeAmountDecrease, "order.isPeggedChangeAmountDecrease")
            try double(&o.peggedChangeAmount, "order.peggedChangeAmount")
            try double(&o.referenceChangeAmount, "order.referenceChangeAmount")
            try string(&o.referenceExchangeId, "order.referenceExchangeId")
        }
        try orderConditions(&o)
        if open {
            try string(&o.adjustedOrderType, "order.adjustedOrderType")
            try double(&o.triggerPrice, "order.triggerPrice")
            try double(&o.trailStopPrice, "order.trailStopPrice")
            try double(&o.lmtPriceOffset, "order.lmtPriceOffset")
            try double(&o.adjustedStopPrice, "order.adjustedStopPrice")
            try double(&o.adjustedStopLimitPrice, "order.adjustedStopLimitPrice")
            try double(&o.adjustedTrailingAmount, "order.adjustedTrailingAmount")
            try int(&o.adjustableTrailingUnit, "order.adjustableTrailingUnit")
            try string(&o.softDollarTier.name, "order.softDollarTier.name")
            try string(&o.softDollarTier.value, "order.softDollarTier.value")
            try string(&o.softDollarTier.displayName, "order.softDollarTier.displayName")
        } else {
            try double(&o.trailStopPrice, "order.trailStopPrice")
            try double(&o.lmtPriceOffset, "order.lmtPriceOffset")
        }
        try double(&o.cashQty, "order.cashQty")
        try bool(&o.dontUseAutoPriceForHedge, "order.dontUseAutoPriceForHedge")
        try bool(&o.isOmsContainer, "order.isOmsContainer")
        if open {
            try bool(&o.discretionaryUpToLimitPrice, "order.discretionaryUpToLimitPrice")
            var useAlgo = o.usePriceMgmtAlgo ?? false
            try bool(&useAlgo, "order.usePriceMgmtAlgo")
            if isDecoding { o.usePriceMgmtAlgo = useAlgo }
            if serverVersion >= TWSServerVersion.duration { try int(&o.duration, "order.duration", unset: .empty) }
            if serverVersion >= TWSServerVersion.postToAts { try int(&o.postToAts, "order.postToAts", unset: .empty) }
            if serverVersion >= TWSServerVersion.autoCancelParent {
                try bool(&o.autoCancelParent, "order.autoCancelParent")
            }
        } else {
            try string(&o.autoCancelDate, "order.autoCancelDate")
            try decimal(&o.filledQuantity, "order.filledQuantity")
            try int(&o.refFuturesConId, "order.refFuturesConId", unset: .sentinel)
            try bool(&o.autoCancelParent, "order.autoCancelParent")
            try string(&o.shareholder, "order.shareholder")
            try bool(&o.imbalanceOnly, "order.imbalanceOnly")
            try bool(&o.routeMarketableToBbo, "order.routeMarketableToBbo")
            try int(&o.parentPermId, "order.parentPermId", unset: .sentinel)
            try string(&state.completedTime, "orderState.completedTime")
            try string(&state.completedStatus, "orderState.completedStatus")
        }
        if serverVersion >= TWSServerVersion.pegBestPegMidOffsets {
            try int(&o.minTradeQty, "order.minTradeQty", unset: .empty)
            try int(&o.minCompeteSize, "order.minCompeteSize", unset: .empty)
            try double(&o.competeAgainstBestOffset, "order.competeAgainstBestOffset", unset: .empty)
            try double(&o.midOffsetAtWhole, "order.midOffsetAtWhole", unset: .empty)
            try double(&o.midOffsetAtHalf, "order.midOffsetAtHalf", unset: .empty)
        }
        if serverVersion >= TWSServerVersion.customerAccount {
            try string(&o.customerAccount, "order.customerAccount")
        }
        if serverVersion >= TWSServerVersion.professionalCustomer {
            try bool(&o.professionalCustomer, "order.professionalCustomer")
        }
        if open {
            if serverVersion >= TWSServerVersion.bondAccruedInterest {
                try string(&o.bondAccruedInterest, "order.bondAccruedInterest")
            }
            if serverVersion >= TWSServerVersion.includeOvernight {
                try bool(&o.includeOvernight, "order.includeOvernight")
            }
            if serverVersion >= TWSServerVersion.cmeTaggingFieldsInOpenOrder {
                try string(&o.extOperator, "order.extOperator")
                try int(&o.manualOrderIndicator, "order.manualOrderIndicator", unset: .empty)
            }
        }
        if serverVersion >= TWSServerVersion.submitter { try string(&o.submitter, "order.submitter") }
        if open && serverVersion >= TWSServerVersion.imbalanceOnly {
            try bool(&o.imbalanceOnly, "order.imbalanceOnly")
        }
    }

    /// A combo leg; `full` adds the fields openOrder and placeOrder carry beyond reqMktData's four.
    mutating func comboLeg(_ leg: inout TWSComboLeg, full: Bool) throws {
        try int(&leg.conId, "conId")
        try int(&leg.ratio, "ratio")
        try string(&leg.action, "action")
        try string(&leg.exchange, "exchange")
        guard full else { return }
        try int(&leg.openClose, "openClose")
        try int(&leg.shortSaleSlot, "shortSaleSlot")
        try string(&leg.designatedLocation, "designatedLocation")
        try int(&leg.exemptCode, "exemptCode")
    }

    /// A counted tag/value list.
    mutating func tagValues(_ values: inout [TWSTagValue], _ name: StaticString) throws {
        try list(&values, name, makeElement: TWSTagValue.init) { tv, c in
            try c.string(&tv.tag, "tag")
            try c.string(&tv.value, "value")
        }
    }

    /// The delta-neutral contract: a presence flag, then conId, delta and price.
    mutating func deltaNeutralContract(_ value: inout TWSDeltaNeutralContract?) throws {
        var present = value != nil
        try bool(&present, "_deltaNeutralContractPresent")
        guard present else { return }
        var dn = value ?? TWSDeltaNeutralContract()
        try int(&dn.conId, "contract.deltaNeutralContract.conId")
        try double(&dn.delta, "contract.deltaNeutralContract.delta")
        try double(&dn.price, "contract.deltaNeutralContract.price")
        value = dn
    }

    /// Order conditions: the count, each condition, then two flags present only when count > 0.
    mutating func orderConditions(_ o: inout TWSOrder) throws {
        try list(&o.conditions, "order.conditions", makeElement: TWSOrderCondition.init) { condition, c in
            try condition.code(&c)
        }
        if !o.conditions.isEmpty {
            try bool(&o.conditionsIgnoreRth, "order.conditionsIgnoreRth")
            try bool(&o.conditionsCancelOrder, "order.conditionsCancelOrder")
        }
    }

    /// openOrder's what-if block: whatIf was read by the caller; status, margins, commissions.
    mutating func orderStateWhatIf(_ s: inout TWSOrderState) throws {
        try string(&s.status, "orderState.status")
        try string(&s.initMarginBefore, "orderState.initMarginBefore")
        try string(&s.maintMarginBefore, "orderState.maintMarginBefore")
        try string(&s.equityWithLoanBefore, "orderState.equityWithLoanBefore")
        try string(&s.initMarginChange, "orderState.initMarginChange")
        try string(&s.maintMarginChange, "orderState.maintMarginChange")
        try string(&s.equityWithLoanChange, "orderState.equityWithLoanChange")
        try string(&s.initMarginAfter, "orderState.initMarginAfter")
        try string(&s.maintMarginAfter, "orderState.maintMarginAfter")
        try string(&s.equityWithLoanAfter, "orderState.equityWithLoanAfter")
        try double(&s.commissionAndFees, "orderState.commissionAndFees", unset: .empty)
        try double(&s.minCommissionAndFees, "orderState.minCommissionAndFees", unset: .empty)
        try double(&s.maxCommissionAndFees, "orderState.maxCommissionAndFees", unset: .empty)
        try string(&s.commissionAndFeesCurrency, "orderState.commissionAndFeesCurrency")
        if serverVersion >= TWSServerVersion.fullOrderPreviewFields {
            try string(&s.marginCurrency, "orderState.marginCurrency")
            try double(&s.initMarginBeforeOutsideRTH, "orderState.initMarginBeforeOutsideRTH", unset: .empty)
            try double(&s.maintMarginBeforeOutsideRTH, "orderState.maintMarginBeforeOutsideRTH", unset: .empty)
            try double(&s.equityWithLoanBeforeOutsideRTH, "orderState.equityWithLoanBeforeOutsideRTH", unset: .empty)
            try double(&s.initMarginChangeOutsideRTH, "orderState.initMarginChangeOutsideRTH", unset: .empty)
            try double(&s.maintMarginChangeOutsideRTH, "orderState.maintMarginChangeOutsideRTH", unset: .empty)
            try double(&s.equityWithLoanChangeOutsideRTH, "orderState.equityWithLoanChangeOutsideRTH", unset: .empty)
            try double(&s.initMarginAfterOutsideRTH, "orderState.initMarginAfterOutsideRTH", unset: .empty)
            try double(&s.maintMarginAfterOutsideRTH, "orderState.maintMarginAfterOutsideRTH", unset: .empty)
            try double(&s.equityWithLoanAfterOutsideRTH, "orderState.equityWithLoanAfterOutsideRTH", unset: .empty)
            try decimal(&s.suggestedSize, "orderState.suggestedSize")
            try string(&s.rejectReason, "orderState.rejectReason")
            try list(&s.orderAllocations, "orderState.orderAllocations", makeElement: TWSOrderAllocation.init) {
                a, c in
                try c.string(&a.account, "account")
                try c.decimal(&a.position, "position")
                try c.decimal(&a.positionDesired, "positionDesired")
                try c.decimal(&a.positionAfter, "positionAfter")
                try c.decimal(&a.desiredAllocQty, "desiredAllocQty")
                try c.decimal(&a.allowedAllocQty, "allowedAllocQty")
                try c.bool(&a.isMonetary, "isMonetary")
            }
        }
        try string(&s.warningText, "orderState.warningText")
    }
}
