import Foundation
import OptionsModel
import TWSWire

/// The requests an options trader uses beyond quotes and orders: P&L, head timestamp, option
/// calculations, symbol search, 5-second bars, exercise; and IB's answer to the ones not simulated.
extension SessionEngine {
    // MARK: P&L

    mutating func pnl(_ m: TWSReqPnL, now: Date) -> SessionOutput {
        pnlSubscriptions[m.reqId] = PnLSubscription(account: m.account, conId: nil)
        return SessionOutput(messages: pnlMessages(reqIds: [m.reqId], now: now))
    }

    mutating func pnlSingle(_ m: TWSReqPnLSingle, now: Date) -> SessionOutput {
        guard market.contract(conId: m.conId) != nil else {
            return SessionOutput(messages: [
                error(m.reqId, .noSecurityDefinition, "No security definition has been found", now: now)
            ])
        }
        pnlSubscriptions[m.reqId] = PnLSubscription(account: m.account, conId: m.conId)
        return SessionOutput(messages: pnlMessages(reqIds: [m.reqId], now: now))
    }

    /// pnl (94) / pnlSingle (95) rows for the subscriptions `reqIds`.
    func pnlMessages(reqIds: [Int], now: Date) -> [TWSServerMessage] {
        reqIds.compactMap { reqId -> TWSServerMessage? in
            guard let subscription = pnlSubscriptions[reqId] else { return nil }
            guard let conId = subscription.conId else {
                let figures = account.pnl(conId: nil, at: now)
                return SimMessages.pnl(
                    reqId: reqId, daily: figures.daily, unrealized: figures.unrealized, realized: figures.realized)
            }
            let figures = account.pnl(conId: conId, at: now)
            return SimMessages.pnlSingle(
                reqId: reqId, position: figures.position, daily: figures.daily, unrealized: figures.unrealized,
                realized: figures.realized, value: figures.value)
        }
    }

    // MARK: Head timestamp

    func headTimestamp(_ m: TWSReqHeadTimeStamp, now: Date) -> SessionOutput {
        guard let contract = resolve(m.contract, now: now) else {
            return SessionOutput(messages: [
                error(
                    m.reqId, .noSecurityDefinition, "No security definition has been found for the request",
                    now: now)
            ])
        }
        let first = market.firstHistory(for: contract, at: now)
        let text = m.formatDate == 2 ? String(Int(first.timeIntervalSince1970)) : SimMessages.headStamp(first)
        return SessionOutput(messages: [SimMessages.headTimestamp(reqId: m.reqId, text)])
    }

    // MARK: Option calculations

    /// calculateImpliedVolatility / calculateOptionPrice: one tickOptionComputation of type 53.
    func calculate(_ m: TWSCalculateOption, impliedVolatility: Bool, now: Date) -> SessionOutput {
        guard let contract = resolve(m.contract, now: now), contract.secType == TWSSecurityType.option.rawValue,
            let computation = market.computation(
                for: contract, optionPrice: impliedVolatility ? m.value : nil,
                volatility: impliedVolatility ? nil : m.value, underlying: m.underPrice, at: now)
        else {
            return SessionOutput(messages: [
                error(
                    m.reqId, .validationError,
                    "Error validating request.-'bX' : cause - the option or its price cannot be computed", now: now)
            ])
        }
        var c = computation
        c.reqId = m.reqId
        c.tickType = TWSTickType.customOptionComputation.rawValue
        return SessionOutput(messages: [.tickOptionComputation(c)])
    }

    // MARK: Matching symbols

    func matchingSymbols(_ m: TWSReqMatchingSymbols) -> SessionOutput {
        SessionOutput(messages: [
            SimMessages.symbolSamples(
                reqId: m.reqId, market.matchingSymbols(m.pattern), serverVersion: serverVersion)
        ])
    }

    // MARK: Real-time bars

    mutating func realTimeBars(_ m: TWSReqRealTimeBars, now: Date) -> SessionOutput {
        guard let contract = resolve(m.contract, now: now) else {
            return SessionOutput(messages: [
                error(
                    m.reqId, .noSecurityDefinition, "No security definition has been found for the request",
                    now: now)
            ])
        }
        let start = (now.timeIntervalSince1970 / 5).rounded(.down) * 5
        barSubscriptions[m.reqId] = BarSubscription(contract: contract, nextBarStart: start)
        return SessionOutput()
    }

    /// Every 5-second bar completed since the last one sent, for every subscription (at most a minute's
    /// worth per call, so a fast clock never floods).
    mutating func dueBars(now: Date) -> [TWSServerMessage] {
        var out: [TWSServerMessage] = []
        for reqId in barSubscriptions.keys.sorted() {
            guard var s = barSubscriptions[reqId] else { continue }
            var sent = 0
            while s.nextBarStart + 5 <= now.timeIntervalSince1970 && sent < 12 {
                if let bar = market.fiveSecondBar(for: s.contract, start: s.nextBarStart) {
                    out.append(SimMessages.realTimeBar(reqId: reqId, bar))
                }
                s.nextBarStart += 5
                sent += 1
            }
            if s.nextBarStart + 5 <= now.timeIntervalSince1970 {
                s.nextBarStart = (now.timeIntervalSince1970 / 5).rounded(.down) * 5
            }
            barSubscriptions[reqId] = s
        }
        return out
    }

    // MARK: Exercise

    func exercise(_ m: TWSExerciseOptions, now: Date) -> SessionOutput {
        guard let contract = resolve(m.contract, now: now), contract.secType == TWSSecurityType.option.rawValue else {
            return SessionOutput(messages: [
                error(m.reqId, .noSecurityDefinition, "No security definition has been found", now: now)
            ])
        }
        switch account.exercise(
            conId: contract.conId, quantity: Double(m.exerciseQuantity), lapse: m.exerciseAction == 2, at: now)
        {
        case .failure(let reason):
            return SessionOutput(messages: [
                error(
                    m.reqId, .validationError, "Error validating request.-'bX' : cause - \(reason)",
                    now: now)
            ])
        case .success(let conIds):
            return positionUpdates(Set(conIds), now: now)
        }
    }

    // MARK: Requests the simulator does not serve

    /// A request TWSWire does not decode: IB's own answer where it has one (reqUserInfo), its error for
    /// an unsupported request otherwise, addressed to the request's id; never silence.
    mutating func unsupported(fields: [String], now: Date, real: Double) -> SessionOutput {
        guard let id = fields.first.flatMap({ Int($0) }) else { return SessionOutput() }
        var out = admit(now: now, real: real)
        if out.close || !out.messages.isEmpty { return out }
        let known = UnsupportedRequest.table[id]
        let reqId =
            known.flatMap { request -> Int? in
                guard let index = request.reqIdField, index + 1 < fields.count else { return nil }
                return Int(fields[index + 1])
            } ?? -1
        guard let known else {
            out.messages.append(
                error(
                    -1, .validationError,
                    "Error validating request.-'sim' : cause - request \(id) is not supported by the gateway simulator",
                    now: now))
            return out
        }
        if known.isCancel { return out }
        if id == UnsupportedRequest.reqUserInfo {
            out.messages.append(SimMessages.userInfo(reqId: reqId))
            return out
        }
        out.messages.append(error(reqId, TWSErrorCode(known.code), known.message, now: now))
        return out
    }
}

/// The request ids the simulator answers with an error (or IB's fixed reply) rather than data.
enum UnsupportedRequest {
    struct Entry {
        var name: String
        /// Field index of the request id after the message id (0 first, 1 after a VERSION), nil for none.
        var reqIdField: Int?
        var code: Int
        var message: String
        var isCancel = false
    }

    static let reqUserInfo = 104

    static func notSimulated(_ name: String, _ reqIdField: Int?) -> Entry {
        Entry(
            name: name, reqIdField: reqIdField, code: TWSErrorCode.validationError.rawValue,
            message: "Error validating request.-'sim' : cause - \(name) is not supported by the gateway simulator")
    }

    static let table: [Int: Entry] = [
        10: Entry(
            name: "reqMktDepth", reqIdField: 1, code: TWSErrorCode.depthNotSupported.rawValue,
            message: "Deep market data is not supported for this combination of security type/exchange"),
        11: Entry(name: "cancelMktDepth", reqIdField: 1, code: 0, message: "", isCancel: true),
        97: Entry(
            name: "reqTickByTickData", reqIdField: 0, code: TWSErrorCode.tickByTickFailed.rawValue,
            message: "Failed to request tick-by-tick data: not supported by the gateway simulator"),
        98: Entry(name: "cancelTickByTickData", reqIdField: 0, code: 0, message: "", isCancel: true),
        104: Entry(name: "reqUserInfo", reqIdField: 0, code: 0, message: ""),
        12: notSimulated("reqNewsBulletins", nil),
        13: Entry(name: "cancelNewsBulletins", reqIdField: nil, code: 0, message: "", isCancel: true),
        14: Entry(name: "setServerLogLevel", reqIdField: nil, code: 0, message: "", isCancel: true),
        18: notSimulated("requestFA", nil),
        22: notSimulated("reqScannerSubscription", 0),
        23: Entry(name: "cancelScannerSubscription", reqIdField: 1, code: 0, message: "", isCancel: true),
        24: notSimulated("reqScannerParameters", nil),
        52: notSimulated("reqFundamentalData", 1),
        53: Entry(name: "cancelFundamentalData", reqIdField: 1, code: 0, message: "", isCancel: true),
        67: notSimulated("queryDisplayGroups", 1),
        74: notSimulated("reqPositionsMulti", 1),
        75: Entry(name: "cancelPositionsMulti", reqIdField: 1, code: 0, message: "", isCancel: true),
        79: notSimulated("reqSoftDollarTiers", 0),
        80: notSimulated("reqFamilyCodes", nil),
        82: notSimulated("reqMktDepthExchanges", nil),
        83: notSimulated("reqSmartComponents", 0),
        84: notSimulated("reqNewsArticle", 0),
        85: notSimulated("reqNewsProviders", nil),
        86: notSimulated("reqHistoricalNews", 0),
        88: notSimulated("reqHistogramData", 0),
        89: Entry(name: "cancelHistogramData", reqIdField: 0, code: 0, message: "", isCancel: true),
        91: notSimulated("reqMarketRule", nil),
        96: notSimulated("reqHistoricalTicks", 0),
        100: notSimulated("reqWshMetaData", 0),
        101: Entry(name: "cancelWshMetaData", reqIdField: 0, code: 0, message: "", isCancel: true),
        102: notSimulated("reqWshEventData", 0),
        103: Entry(name: "cancelWshEventData", reqIdField: 0, code: 0, message: "", isCancel: true),
        105: notSimulated("reqCurrentTimeInMillis", nil),
        106: Entry(name: "cancelContractData", reqIdField: 0, code: 0, message: "", isCancel: true),
        107: Entry(name: "cancelHistoricalTicks", reqIdField: 0, code: 0, message: "", isCancel: true),
    ]
}
