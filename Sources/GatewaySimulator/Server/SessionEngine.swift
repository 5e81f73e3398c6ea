import Foundation
import TWSWire

/// What a session must do after the engine handled an input.
struct SessionOutput: Sendable {
    /// Messages to send, in order.
    var messages: [TWSServerMessage] = []
    /// Raw bytes to send after the messages (garbage / truncated frame faults).
    var raw: [UInt8]? = nil
    /// Close the connection after sending.
    var close = false
    /// Hold replies this long before sending (delay fault).
    var delay: Duration = .zero

    mutating func append(_ other: SessionOutput) {
        messages += other.messages
        if let r = other.raw { raw = (raw ?? []) + r }
        close = close || other.close
        delay = max(delay, other.delay)
    }
}

/// One connection's gateway logic, without I/O: requests and clock ticks in, messages out.
/// `now` is simulated exchange time; `real` is monotonic real seconds (IB's limits count real time).
struct SessionEngine: Sendable {
    let serverVersion: Int
    let clientId: Int
    let market: any SimMarketPort
    let account: any SimAccountPort
    let mode: GatewaySimulator.MarketDataMode
    let maxLines: Int
    var rateLimiter: MessageRateWindow
    var historicalPacer = HistoricalRequestPacer()
    var record: @Sendable (Int) -> Void

    /// reqMarketDataType's last value (1 live ... 4 delayed-frozen).
    var requestedType = 1
    /// reqPositions is a subscription: position changes are pushed until cancelPositions.
    var positionsSubscribed = false
    /// reqAccountUpdates account being streamed (portfolio and values pushed on changes).
    var accountUpdatesFor: String?
    var subscriptions: [Int: Subscription] = [:]
    var faults = FaultFlags()
    /// Scripted faults due after the client's Nth message, and the count so far.
    var messageTriggers: [(count: Int, action: FaultAction)] = []
    var messagesReceived = 0
    var pending: [(due: Double, action: PendingAction)] = []
    /// reqPnL / reqPnLSingle subscriptions (pushed once a second of real time).
    var pnlSubscriptions: [Int: PnLSubscription] = [:]
    var lastPnLPush = 0.0
    /// reqRealTimeBars subscriptions (a bar per 5 simulated seconds).
    var barSubscriptions: [Int: BarSubscription] = [:]

    struct PnLSubscription {
        var account: String
        /// nil for the account's P&L, else one position's.
        var conId: Int?
    }

    struct BarSubscription {
        var contract: TWSContract
        /// Epoch seconds where the next bar to send starts.
        var nextBarStart: Double
    }

    struct Subscription {
        var contract: TWSContract
        var genericTicks: Set<Int>
        var servedType: Int
        var last: SimQuote?
    }

    enum PendingAction {
        case restoreConnectivity(dataLost: Bool)
        case farmRestored(code: TWSErrorCode)
        case competingSessionEnded
    }

    struct FaultFlags {
        var withholdGreeksFor: Set<String>? = nil  // nil = none; empty = all
        var sentinelsFor: Set<String>? = nil
        var silent = false
        var connectivityLost = false
        var marketFarmDown = false
        var historicalFarmDown = false
        var competingSession = false
        var delay: Duration = .zero
        var refuseWithRateViolation = 0
        var refuseHistoricalWithPacing = 0
        var refuseMarketDataWithLineLimit = 0
    }

    init(
        serverVersion: Int, clientId: Int, market: any SimMarketPort, account: any SimAccountPort,
        mode: GatewaySimulator.MarketDataMode, maxLines: Int, maxMessagesPerSecond: Int,
        record: @escaping @Sendable (Int) -> Void
    ) {
        self.serverVersion = serverVersion
        self.clientId = clientId
        self.market = market
        self.account = account
        self.mode = mode
        self.maxLines = maxLines
        self.rateLimiter = MessageRateWindow(limit: maxMessagesPerSecond)
        self.record = record
    }

    // MARK: Errors

    func error(_ reqId: Int, _ code: TWSErrorCode, _ text: String, now: Date) -> TWSServerMessage {
        record(code.rawValue)
        return .error(
            TWSErrorMessage(
                reqId: reqId, errorCode: code.rawValue, errorString: text,
                errorTime: Int(now.timeIntervalSince1970 * 1000)))
    }

    /// The greeting after START_API: accounts, next id, farm notices.
    func greeting(now: Date) -> SessionOutput {
        var out = SessionOutput()
        out.messages.append(.managedAccounts(TWSManagedAccounts(accounts: account.accounts)))
        out.messages.append(.nextValidId(TWSNextValidId(orderId: account.nextOrderId())))
        out.messages.append(notice(.marketDataFarmOK, "Market data farm connection is OK:usfarm", now: now))
        out.messages.append(notice(.historicalFarmOK, "HMDS data farm connection is OK:ushmds", now: now))
        out.messages.append(notice(.secDefFarmOK, "Sec-def data farm connection is OK:secdefnj", now: now))
        return out
    }

    /// A notice without a request id (farm status, connectivity).
    func notice(_ code: TWSErrorCode, _ text: String, now: Date) -> TWSServerMessage {
        .error(
            TWSErrorMessage(
                reqId: -1, errorCode: code.rawValue, errorString: text, errorTime: Int(now.timeIntervalSince1970 * 1000)
            ))
    }

    // MARK: Requests

    /// Handles one request received at real time `real`.
    mutating func handle(_ request: TWSRequest, now: Date, real: Double) -> SessionOutput {
        messagesReceived += 1
        var out = handleRequest(request, now: now, real: real)
        let due = messageTriggers.filter { $0.count <= messagesReceived }
        messageTriggers.removeAll { $0.count <= messagesReceived }
        for trigger in due {
            if case .restart = trigger.action { continue }
            out.append(apply(trigger.action, now: now, real: real))
        }
        return out
    }

    /// IB's message-rate rule and the refusal faults for a message that arrived at `real`: empty when
    /// the message may be processed.
    mutating func admit(now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        switch rateLimiter.admit(at: real) {
        case .ok: break
        case .exceeded(let received):
            out.messages.append(
                error(
                    -1, .pacingViolation,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(received) (1)",
                    now: now))
            return out
        case .disconnect(let received):
            out.messages.append(
                error(
                    -1, .pacingViolation,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(received) (3)",
                    now: now))
            out.close = true
            return out
        }
        if faults.refuseWithRateViolation > 0 {
            faults.refuseWithRateViolation -= 1
            out.messages.append(
                error(
                    -1, .pacingViolation,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(rateLimiter.limit + 1) (1)",
                    now: now))
            return out
        }
        return out
    }

    mutating func handleRequest(_ request: TWSRequest, now: Date, real: Double) -> SessionOutput {
        var out = admit(now: now, real: real)
        if out.close || !out.messages.isEmpty { return out }
        if faults.silent { return out }
        out.delay = faults.delay
        switch request {
        case .startApi:
            break
        case .reqIds:
            out.messages.append(.nextValidId(TWSNextValidId(orderId: account.nextOrderId())))
        case .reqManagedAccts:
            out.messages.append(.managedAccounts(TWSManagedAccounts(accounts: account.accounts)))
        case .reqCurrentTime:
            out.messages.append(.currentTime(TWSCurrentTime(time: Int(now.timeIntervalSince1970))))
        case .reqMarketDataType(let m):
            if (1...4).contains(m.marketDataType) { requestedType = m.marketDataType }
        case .reqContractDetails(let m):
            out.append(contractDetails(m, now: now))
        case .reqSecDefOptParams(let m):
            let rows = market.optionParameters(symbol: m.underlyingSymbol, underlyingConId: m.underlyingConId, at: now)
            for var row in rows {
                row.reqId = m.reqId
                out.messages.append(.securityDefinitionOptionParameter(row))
            }
            out.messages.append(.securityDefinitionOptionParameterEnd(.init(reqId: m.reqId)))
        case .reqMktData(let m):
            out.append(marketData(m, now: now))
        case .cancelMktData(let reqId):
            if subscriptions.removeValue(forKey: reqId) == nil {
                out.messages.append(error(reqId, .unknownTickerId, "Can't find EId with tickerId:\(reqId)", now: now))
            }
        case .reqHistoricalData(let m):
            out.append(historical(m, now: now, real: real))
        case .cancelHistoricalData:
            break
        case .reqAccountSummary(let m):
            account.settleExpiries(at: now)
            out.append(accountSummary(m, now: now))
        case .cancelAccountSummary, .cancelAccountUpdatesMulti:
            break
        case .cancelPositions:
            positionsSubscribed = false
        case .reqPositions:
            positionsSubscribed = true
            account.settleExpiries(at: now)
            for p in account.positions() { out.messages.append(.position(p)) }
            out.messages.append(.positionEnd)
        case .reqAccountUpdates(let m):
            if m.subscribe {
                accountUpdatesFor = m.acctCode.isEmpty ? account.accounts.first : m.acctCode
                out.append(accountUpdates(account: m.acctCode, now: now))
            } else {
                accountUpdatesFor = nil
            }
        case .reqAccountUpdatesMulti(let m):
            for v in account.accountUpdateValues(at: now)
            where m.account.isEmpty || m.account == v.account || m.account == "All" {
                var u = TWSAccountUpdateMulti()
                u.reqId = m.reqId
                u.account = v.account
                u.modelCode = m.modelCode
                u.key = v.tag
                u.value = v.value
                u.currency = v.currency
                out.messages.append(.accountUpdateMulti(u))
            }
            out.messages.append(.accountUpdateMultiEnd(.init(reqId: m.reqId)))
        case .reqOpenOrders, .reqAllOpenOrders:
            let own: Int? = if case .reqOpenOrders = request { clientId } else { nil }
            for (open, status) in account.openOrders(clientId: own) {
                out.messages.append(.openOrder(open))
                out.messages.append(.orderStatus(status))
            }
            out.messages.append(.openOrderEnd)
        case .reqAutoOpenOrders:
            break
        case .reqCompletedOrders:
            for order in account.completedOrders() { out.messages.append(.completedOrder(order)) }
            out.messages.append(.completedOrdersEnd)
        case .reqExecutions(let m):
            out.append(executions(m))
        case .placeOrder(let m) where m.order.whatIf:
            out.append(
                accountEvents(
                    account.whatIf(
                        orderId: m.orderId, clientId: clientId, contract: m.contract, order: m.order, at: now),
                    now: now))
        case .placeOrder(let m):
            out.append(
                accountEvents(
                    account.place(
                        orderId: m.orderId, clientId: clientId, contract: m.contract, order: m.order, at: now), now: now
                ))
        case .cancelOrder(let m):
            out.append(accountEvents(account.cancel(orderId: m.orderId, clientId: clientId, at: now), now: now))
        case .reqGlobalCancel:
            out.append(accountEvents(account.cancelAll(clientId: clientId, at: now), now: now))
        case .reqPnL(let m):
            out.append(pnl(m, now: now))
        case .reqPnLSingle(let m):
            out.append(pnlSingle(m, now: now))
        case .cancelPnL(let reqId), .cancelPnLSingle(let reqId):
            pnlSubscriptions[reqId] = nil
        case .reqHeadTimeStamp(let m):
            out.append(headTimestamp(m, now: now))
        case .calculateImpliedVolatility(let m):
            out.append(calculate(m, impliedVolatility: true, now: now))
        case .calculateOptionPrice(let m):
            out.append(calculate(m, impliedVolatility: false, now: now))
        case .cancelHeadTimeStamp, .cancelCalculateImpliedVolatility, .cancelCalculateOptionPrice:
            break
        case .reqMatchingSymbols(let m):
            out.append(matchingSymbols(m))
        case .reqRealTimeBars(let m):
            out.append(realTimeBars(m, now: now))
        case .cancelRealTimeBars(let reqId):
            barSubscriptions[reqId] = nil
        case .exerciseOptions(let m):
            out.append(exercise(m, now: now))
        }
        return out
    }

    func accountEvents(_ events: [SimAccountEvent], now: Date) -> SessionOutput {
        var out = SessionOutput()
        var changed: Set<Int> = []
        for event in events {
            if case .execution(let details, _) = event { changed.insert(details.contract.conId) }
            switch event {
            case .positionChanged(let conId): changed.insert(conId)
            case .orderStatus(let s): out.messages.append(.orderStatus(s))
            case .openOrder(let o): out.messages.append(.openOrder(o))
            case .execution(let details, let commission):
                out.messages.append(.execDetails(details))
                var report = TWSCommissionReportMessage()
                report.report = commission
                out.messages.append(.commissionAndFeesReport(report))
            case .error(let orderId, let code, let message):
                out.messages.append(error(orderId, TWSErrorCode(code), message, now: now))
            }
        }
        if !changed.isEmpty { out.append(positionUpdates(changed, now: now)) }
        return out
    }

    /// What subscribed clients receive after fills: position updates and the account stream.
    func positionUpdates(_ conIds: Set<Int>, now: Date) -> SessionOutput {
        var out = SessionOutput()
        if positionsSubscribed {
            let current = Dictionary(
                account.positions().map { ($0.contract.conId, $0) }, uniquingKeysWith: { a, _ in a })
            for conId in conIds.sorted() {
                if let p = current[conId] {
                    out.messages.append(.position(p))
                } else if let contract = market.contract(conId: conId) {
                    var closed = TWSPosition()
                    closed.account = account.accounts.first ?? ""
                    closed.contract = contract
                    closed.position = TWSDecimal(mantissa: 0)
                    out.messages.append(.position(closed))
                }
            }
        }
        if let name = accountUpdatesFor {
            out.append(accountUpdates(account: name, now: now))
        }
        return out
    }
}
