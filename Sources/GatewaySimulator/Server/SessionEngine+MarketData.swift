import Foundation
import TWSWire

extension SessionEngine {
    // MARK: Contracts

    func resolve(_ contract: TWSContract, now: Date) -> TWSContract? {
        if contract.conId > 0, let known = market.contract(conId: contract.conId) { return known }
        let matches = market.contractDetails(matching: contract, at: now)
        return matches.count == 1 ? matches[0].contract : nil
    }

    func contractDetails(_ m: TWSReqContractDetails, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let matches = market.contractDetails(matching: m.contract, at: now)
        guard !matches.isEmpty else {
            out.messages.append(
                error(m.reqId, .noSecurityDefinition, "No security definition has been found for the request", now: now)
            )
            return out
        }
        for details in matches {
            var data = TWSContractData()
            data.reqId = m.reqId
            data.contractDetails = details
            out.messages.append(.contractData(data))
        }
        out.messages.append(.contractDataEnd(.init(reqId: m.reqId)))
        return out
    }

    // MARK: Market data

    mutating func marketData(_ m: TWSReqMktData, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let resolved =
            m.contract.secType == TWSSecurityType.combo.rawValue
            ? (m.contract.comboLegs.isEmpty || m.contract.comboLegs.contains { market.contract(conId: $0.conId) == nil }
                ? nil : m.contract)
            : resolve(m.contract, now: now)
        guard let contract = resolved else {
            out.messages.append(
                error(m.reqId, .noSecurityDefinition, "No security definition has been found for the request", now: now)
            )
            return out
        }
        let generic = Set(
            m.genericTickList.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        if m.snapshot && !generic.isEmpty {
            out.messages.append(
                error(
                    m.reqId, .validationError,
                    "Error validating request.-'bW' : cause - Snapshot market data subscription is not applicable to generic ticks",
                    now: now))
            return out
        }
        if subscriptions[m.reqId] != nil {
            out.messages.append(
                error(
                    m.reqId, .processingError, "Error processing request.-'bW' : cause - Duplicate ticker id", now: now)
            )
            return out
        }
        if faults.refuseMarketDataWithLineLimit > 0 || subscriptions.count >= maxLines {
            faults.refuseMarketDataWithLineLimit = max(0, faults.refuseMarketDataWithLineLimit - 1)
            out.messages.append(error(m.reqId, .tooManyTickers, "Max number of tickers has been reached", now: now))
            return out
        }
        if faults.competingSession {
            out.messages.append(
                error(m.reqId, .competingSession, "No market data during competing live session", now: now))
            return out
        }
        let served: Int
        switch mode {
        case .live:
            served = requestedType == 2 || requestedType == 4 ? 2 : 1
        case .delayed:
            served = requestedType == 2 || requestedType == 4 ? 4 : 3
            if requestedType <= 2 {
                out.messages.append(
                    error(
                        m.reqId, .delayedDisplayed,
                        "Requested market data is not subscribed. Displaying delayed market data.",
                        now: now))
            }
        case .none:
            if requestedType >= 3 {
                out.messages.append(
                    error(
                        m.reqId, .delayedNotEnabled,
                        "Requested market data is not subscribed. Delayed market data is not enabled.",
                        now: now))
            } else {
                out.messages.append(
                    error(
                        m.reqId, .notSubscribed,
                        "Requested market data is not subscribed.Check API status by selecting the Account menu then under Management choose Market Data Subscription Manager and/or Market Data Display. For more information see the API Guide.",
                        now: now))
            }
            return out
        }
        var subscription = Subscription(contract: contract, genericTicks: generic, servedType: served, last: nil)
        var params = TWSTickReqParams()
        params.tickerId = m.reqId
        params.minTick = 0.01
        params.bboExchange = "9c0001"
        params.snapshotPermissions = 3
        out.messages.append(.tickReqParams(params))
        if served != 1 {
            var type = TWSMarketDataTypeMessage()
            type.reqId = m.reqId
            type.marketDataType = served
            out.messages.append(.marketDataType(type))
        }
        let dataPaused = faults.connectivityLost || faults.marketFarmDown
        if !dataPaused, let quote = market.quote(for: contract, at: now, delayed: served >= 3) {
            out.messages += ticks(reqId: m.reqId, quote: quote, previous: nil, subscription: subscription)
            out.messages += genericTicks(
                reqId: m.reqId, quote: quote, previous: nil, subscription: subscription, now: now)
            subscription.last = quote
        }
        if m.snapshot {
            out.messages.append(.tickSnapshotEnd(.init(reqId: m.reqId)))
        } else {
            subscriptions[m.reqId] = subscription
        }
        return out
    }

    /// Tick messages for the fields of `quote` that differ from `previous` (all when nil).
    func ticks(reqId: Int, quote: SimQuote, previous: SimQuote?, subscription: Subscription) -> [TWSServerMessage] {
        let delayed = subscription.servedType >= 3
        var out: [TWSServerMessage] = []
        func price(_ tick: TWSTickType, _ value: Double?, _ old: Double?, size: Double? = nil) {
            guard let value, previous == nil || value != old else { return }
            out.append(
                .tickPrice(
                    TWSTickPrice(
                        reqId: reqId, tickType: tick.served(delayed: delayed).rawValue, price: value,
                        size: size.map(TWSDecimal.init))))
        }
        func size(_ tick: TWSTickType, _ value: Double?, _ old: Double?) {
            guard let value, previous == nil || value != old else { return }
            out.append(
                .tickSize(
                    TWSTickSize(reqId: reqId, tickType: tick.served(delayed: delayed).rawValue, size: TWSDecimal(value))
                ))
        }
        price(.bid, quote.bid, previous?.bid, size: quote.bidSize ?? 0)
        price(.ask, quote.ask, previous?.ask, size: quote.askSize ?? 0)
        price(.last, quote.last, previous?.last, size: quote.lastSize ?? 0)
        price(.high, quote.high, previous?.high)
        price(.low, quote.low, previous?.low)
        price(.close, quote.close, previous?.close)
        price(.open, quote.open, previous?.open)
        size(.volume, quote.volume, previous?.volume)
        if quote.isOption {
            let symbol = subscription.contract.symbol
            let withheld = faults.withholdGreeksFor.map { $0.isEmpty || $0.contains(symbol) } ?? false
            let sentinels = faults.sentinelsFor.map { $0.isEmpty || $0.contains(symbol) } ?? false
            if !withheld, var model = quote.model, previous == nil || model != previous?.model {
                if sentinels {
                    model = TWSTickOptionComputation()
                }
                model.reqId = reqId
                let computations: [(TWSTickType, Double?)] = [
                    (.bidOptionComputation, quote.bid), (.askOptionComputation, quote.ask),
                    (.modelOptionComputation, model.optPrice),
                ]
                for (tick, optionPrice) in computations {
                    var computation = model
                    computation.tickType = tick.served(delayed: delayed).rawValue
                    if tick != .modelOptionComputation { computation.optPrice = sentinels ? nil : optionPrice }
                    out.append(.tickOptionComputation(computation))
                }
            }
            // A generic tick the subscription asked for, sent when its value is new.
            func size(_ list: TWSGenericTickList, _ tick: TWSTickType, _ value: Double?, was: Double?) {
                guard subscription.genericTicks.contains(list.rawValue), let value, previous == nil || value != was
                else { return }
                out.append(.tickSize(TWSTickSize(reqId: reqId, tickType: tick.rawValue, size: TWSDecimal(value))))
            }
            let put = quote.right == "P"
            size(
                .optionOpenInterest, put ? .optionPutOpenInterest : .optionCallOpenInterest, quote.openInterest,
                was: previous?.openInterest)
            if !delayed {
                size(
                    .optionVolume, put ? .optionPutVolume : .optionCallVolume, quote.optionVolume,
                    was: previous?.optionVolume)
            }
        } else {
            // A generic tick the subscription asked for, sent when its value is new.
            func generic(_ list: TWSGenericTickList, _ tick: TWSTickType, _ value: Double?, was: Double?) {
                guard subscription.genericTicks.contains(list.rawValue), let value, previous == nil || value != was
                else { return }
                var g = TWSTickGeneric()
                g.reqId = reqId
                g.tickType = tick.rawValue
                g.value = value
                out.append(.tickGeneric(g))
            }
            if !delayed {
                generic(
                    .historicalVolatility, .optionHistoricalVolatility, quote.historicalVolatility,
                    was: previous?.historicalVolatility)
            }
            generic(
                .optionImpliedVolatility, .optionImpliedVolatility, quote.impliedVolatility,
                was: previous?.impliedVolatility)
        }
        return out
    }
}
