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

    struct Subscription {
        var contract: TWSContract
        var genericTicks: Set<Int>
        var servedType: Int
        var last: SimQuote?
    }

    enum PendingAction {
        case restoreConnectivity(dataLost: Bool)
        case farmRestored(code: Int)
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

    func error(_ reqId: Int, _ code: Int, _ text: String, now: Date) -> TWSServerMessage {
        record(code)
        return .error(
            TWSErrorMessage(
                reqId: reqId, errorCode: code, errorString: text,
                errorTime: Int(now.timeIntervalSince1970 * 1000)))
    }

    /// The greeting after START_API: accounts, next id, farm notices.
    func greeting(now: Date) -> SessionOutput {
        var out = SessionOutput()
        out.messages.append(.managedAccounts(TWSManagedAccounts(accounts: account.accounts)))
        out.messages.append(.nextValidId(TWSNextValidId(orderId: account.nextOrderId())))
        out.messages.append(notice(2104, "Market data farm connection is OK:usfarm", now: now))
        out.messages.append(notice(2106, "HMDS data farm connection is OK:ushmds", now: now))
        out.messages.append(notice(2158, "Sec-def data farm connection is OK:secdefnj", now: now))
        return out
    }

    func notice(_ code: Int, _ text: String, now: Date) -> TWSServerMessage {
        .error(
            TWSErrorMessage(
                reqId: -1, errorCode: code, errorString: text, errorTime: Int(now.timeIntervalSince1970 * 1000)))
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

    mutating func handleRequest(_ request: TWSRequest, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        switch rateLimiter.admit(at: real) {
        case .ok: break
        case .exceeded(let received):
            out.messages.append(
                error(
                    -1, 100,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(received) (1)",
                    now: now))
            return out
        case .disconnect(let received):
            out.messages.append(
                error(
                    -1, 100,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(received) (3)",
                    now: now))
            out.close = true
            return out
        }
        if faults.refuseWithRateViolation > 0 {
            faults.refuseWithRateViolation -= 1
            out.messages.append(
                error(
                    -1, 100,
                    "Max rate of messages per second has been exceeded:max=\(rateLimiter.limit) rec=\(rateLimiter.limit + 1) (1)",
                    now: now))
            return out
        }
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
                out.messages.append(error(reqId, 300, "Can't find EId with tickerId:\(reqId)", now: now))
            }
        case .reqHistoricalData(let m):
            out.append(historical(m, now: now, real: real))
        case .cancelHistoricalData:
            break
        case .reqAccountSummary(let m):
            out.append(accountSummary(m, now: now))
        case .cancelAccountSummary, .cancelAccountUpdatesMulti:
            break
        case .cancelPositions:
            positionsSubscribed = false
        case .reqPositions:
            positionsSubscribed = true
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
            for v in account.accountValues(at: now)
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
            for (open, status) in account.openOrders() {
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
        case .placeOrder(let m):
            out.append(
                accountEvents(
                    account.place(
                        orderId: m.orderId, clientId: clientId, contract: m.contract, order: m.order, at: now), now: now
                ))
        case .cancelOrder(let m):
            out.append(accountEvents(account.cancel(orderId: m.orderId, at: now), now: now))
        case .reqGlobalCancel:
            out.append(accountEvents(account.cancelAll(at: now), now: now))
        }
        return out
    }

    func accountEvents(_ events: [SimAccountEvent], now: Date) -> SessionOutput {
        var out = SessionOutput()
        var changed: Set<Int> = []
        for event in events {
            if case .execution(let details, _) = event { changed.insert(details.contract.conId) }
            switch event {
            case .orderStatus(let s): out.messages.append(.orderStatus(s))
            case .openOrder(let o): out.messages.append(.openOrder(o))
            case .execution(let details, let commission):
                out.messages.append(.execDetails(details))
                var report = TWSCommissionReportMessage()
                report.report = commission
                out.messages.append(.commissionAndFeesReport(report))
            case .error(let orderId, let code, let message):
                out.messages.append(error(orderId, code, message, now: now))
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
            out.messages.append(error(m.reqId, 200, "No security definition has been found for the request", now: now))
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
        guard let contract = resolve(m.contract, now: now) else {
            out.messages.append(error(m.reqId, 200, "No security definition has been found for the request", now: now))
            return out
        }
        let generic = Set(
            m.genericTickList.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        if m.snapshot && !generic.isEmpty {
            out.messages.append(
                error(
                    m.reqId, 321,
                    "Error validating request.-'bW' : cause - Snapshot market data subscription is not applicable to generic ticks",
                    now: now))
            return out
        }
        if subscriptions[m.reqId] != nil {
            out.messages.append(
                error(m.reqId, 322, "Error processing request.-'bW' : cause - Duplicate ticker id", now: now))
            return out
        }
        if faults.refuseMarketDataWithLineLimit > 0 || subscriptions.count >= maxLines {
            faults.refuseMarketDataWithLineLimit = max(0, faults.refuseMarketDataWithLineLimit - 1)
            out.messages.append(error(m.reqId, 101, "Max number of tickers has been reached", now: now))
            return out
        }
        if faults.competingSession {
            out.messages.append(error(m.reqId, 10197, "No market data during competing live session", now: now))
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
                        m.reqId, 10167, "Requested market data is not subscribed. Displaying delayed market data.",
                        now: now))
            }
        case .none:
            if requestedType >= 3 {
                out.messages.append(
                    error(
                        m.reqId, 10168, "Requested market data is not subscribed. Delayed market data is not enabled.",
                        now: now))
            } else {
                out.messages.append(
                    error(
                        m.reqId, 354,
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
        func price(_ live: Int, _ late: Int, _ value: Double?, _ old: Double?, size: Double? = nil) {
            guard let value, previous == nil || value != old else { return }
            out.append(
                .tickPrice(
                    TWSTickPrice(
                        reqId: reqId, tickType: delayed ? late : live, price: value, size: size.map(TWSDecimal.init))))
        }
        func size(_ live: Int, _ late: Int, _ value: Double?, _ old: Double?) {
            guard let value, previous == nil || value != old else { return }
            out.append(.tickSize(TWSTickSize(reqId: reqId, tickType: delayed ? late : live, size: TWSDecimal(value))))
        }
        price(1, 66, quote.bid, previous?.bid, size: quote.bidSize ?? 0)
        price(2, 67, quote.ask, previous?.ask, size: quote.askSize ?? 0)
        price(4, 68, quote.last, previous?.last, size: quote.lastSize ?? 0)
        price(6, 72, quote.high, previous?.high)
        price(7, 73, quote.low, previous?.low)
        price(9, 75, quote.close, previous?.close)
        price(14, 76, quote.open, previous?.open)
        size(8, 74, quote.volume, previous?.volume)
        if quote.isOption {
            let symbol = subscription.contract.symbol
            let withheld = faults.withholdGreeksFor.map { $0.isEmpty || $0.contains(symbol) } ?? false
            let sentinels = faults.sentinelsFor.map { $0.isEmpty || $0.contains(symbol) } ?? false
            if !withheld, var model = quote.model, previous == nil || model != previous?.model {
                if sentinels {
                    model = TWSTickOptionComputation()
                }
                model.reqId = reqId
                for (live, late, optionPrice) in [(10, 80, quote.bid), (11, 81, quote.ask), (13, 83, model.optPrice)] {
                    var computation = model
                    computation.tickType = delayed ? late : live
                    if live != 13 { computation.optPrice = sentinels ? nil : optionPrice }
                    out.append(.tickOptionComputation(computation))
                }
            }
            if subscription.genericTicks.contains(101), let oi = quote.openInterest,
                previous == nil || oi != previous?.openInterest
            {
                out.append(
                    .tickSize(TWSTickSize(reqId: reqId, tickType: quote.right == "P" ? 28 : 27, size: TWSDecimal(oi))))
            }
            if subscription.genericTicks.contains(100), !delayed, let v = quote.optionVolume,
                previous == nil || v != previous?.optionVolume
            {
                out.append(
                    .tickSize(TWSTickSize(reqId: reqId, tickType: quote.right == "P" ? 30 : 29, size: TWSDecimal(v))))
            }
        } else {
            if subscription.genericTicks.contains(104), !delayed, let hv = quote.historicalVolatility,
                previous == nil || hv != previous?.historicalVolatility
            {
                var g = TWSTickGeneric()
                g.reqId = reqId
                g.tickType = 23
                g.value = hv
                out.append(.tickGeneric(g))
            }
            if subscription.genericTicks.contains(106), let iv = quote.impliedVolatility,
                previous == nil || iv != previous?.impliedVolatility
            {
                var g = TWSTickGeneric()
                g.reqId = reqId
                g.tickType = 24
                g.value = iv
                out.append(.tickGeneric(g))
            }
        }
        return out
    }

    // MARK: Periodic work

    /// Streams changed quotes, runs due scripted actions and lets the account fill orders.
    mutating func tick(now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        let due = pending.filter { $0.due <= real }
        pending.removeAll { $0.due <= real }
        for item in due {
            switch item.action {
            case .restoreConnectivity(let dataLost):
                faults.connectivityLost = false
                if dataLost {
                    out.messages.append(
                        notice(
                            1101, "Connectivity between IB and Trader Workstation has been restored - data lost.",
                            now: now))
                    subscriptions = [:]
                } else {
                    out.messages.append(
                        notice(
                            1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.",
                            now: now))
                }
            case .farmRestored(let code):
                if code == 2103 {
                    faults.marketFarmDown = false
                    out.messages.append(notice(2104, "Market data farm connection is OK:usfarm", now: now))
                } else {
                    faults.historicalFarmDown = false
                    out.messages.append(notice(2106, "HMDS data farm connection is OK:ushmds", now: now))
                }
            case .competingSessionEnded:
                faults.competingSession = false
            }
        }
        if faults.silent { return out }
        out.append(accountEvents(account.tick(at: now), now: now))
        guard !faults.connectivityLost, !faults.marketFarmDown, !faults.competingSession else { return out }
        for reqId in subscriptions.keys.sorted() {
            guard var s = subscriptions[reqId],
                let quote = market.quote(for: s.contract, at: now, delayed: s.servedType >= 3)
            else { continue }
            out.messages += ticks(reqId: reqId, quote: quote, previous: s.last, subscription: s)
            s.last = quote
            subscriptions[reqId] = s
        }
        return out
    }

    // MARK: Faults

    /// Applies an injected or scripted fault.
    mutating func apply(_ action: FaultAction, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        switch action {
        case .dropConnection:
            out.close = true
        case .restart:
            out.close = true
        case .connectivityLost(let dataLost, let seconds):
            faults.connectivityLost = true
            out.messages.append(notice(1100, "Connectivity between IB and Trader Workstation has been lost.", now: now))
            pending.append((real + seconds, .restoreConnectivity(dataLost: dataLost)))
        case .farmOutage(let code, let seconds):
            if code == 2105 {
                faults.historicalFarmDown = true
                out.messages.append(notice(2105, "HMDS data farm connection is broken:ushmds", now: now))
            } else {
                faults.marketFarmDown = true
                out.messages.append(notice(2103, "Market data farm connection is broken:usfarm", now: now))
            }
            pending.append((real + seconds, .farmRestored(code: code == 2105 ? 2105 : 2103)))
        case .competingSession(let seconds):
            faults.competingSession = true
            for reqId in subscriptions.keys.sorted() {
                out.messages.append(error(reqId, 10197, "No market data during competing live session", now: now))
            }
            if subscriptions.isEmpty {
                out.messages.append(error(-1, 10197, "No market data during competing live session", now: now))
            }
            pending.append((real + seconds, .competingSessionEnded))
        case .delayReplies(let milliseconds):
            faults.delay = .milliseconds(milliseconds)
        case .withholdGreeks(let symbol):
            faults.withholdGreeksFor = symbol.map { [$0] } ?? []
        case .sendSentinels(let symbol):
            faults.sentinelsFor = symbol.map { [$0] } ?? []
        case .garbageFrame:
            var garbage: [UInt8] = [0, 0, 0, 12]
            garbage += Array("9999\0x\u{1}\u{2}\0zz\0".utf8).prefix(12)
            out.raw = garbage
        case .truncatedFrame:
            out.raw = [0, 0, 0, 40] + Array("1\u{0}6\u{0}".utf8)
            out.close = true
        case .silenceAfterHandshake:
            faults.silent = true
        case .stickOrdersInPreSubmitted:
            account.stickInPreSubmitted(nil)
        case .rateViolation(let requests):
            faults.refuseWithRateViolation = requests
        case .historicalPacingViolation(let requests):
            faults.refuseHistoricalWithPacing = requests
        case .linesExhausted(let requests):
            faults.refuseMarketDataWithLineLimit = requests
        case .clear:
            faults = FaultFlags()
            pending = []
        }
        return out
    }

    // MARK: History

    mutating func historical(_ m: TWSReqHistoricalData, now: Date, real: Double) -> SessionOutput {
        var out = SessionOutput()
        if faults.historicalFarmDown {
            out.messages.append(
                error(
                    m.reqId, 162, "Historical Market Data Service error message:HMDS query returned no data", now: now))
            return out
        }
        if faults.refuseHistoricalWithPacing > 0 {
            faults.refuseHistoricalWithPacing -= 1
            out.messages.append(
                error(
                    m.reqId, 162,
                    "Historical Market Data Service error message:Historical data request pacing violation",
                    now: now))
            return out
        }
        let key =
            "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.endDateTime)|\(m.durationStr)|\(m.barSizeSetting)|\(m.whatToShow)"
        let contractKey = "\(m.contract.conId)|\(m.contract.symbol)|\(m.contract.secType)|\(m.whatToShow)"
        if let violation = historicalPacer.admit(key: key, contractKey: contractKey, at: real) {
            out.messages.append(
                error(m.reqId, 162, "Historical Market Data Service error message:\(violation)", now: now))
            return out
        }
        guard let contract = resolve(m.contract, now: now) else {
            out.messages.append(error(m.reqId, 200, "No security definition has been found for the request", now: now))
            return out
        }
        guard m.barSizeSetting.trimmingCharacters(in: .whitespaces) == "1 day" else {
            out.messages.append(
                error(
                    m.reqId, 162, "Historical Market Data Service error message:only '1 day' bars are simulated",
                    now: now))
            return out
        }
        guard let days = Self.tradingDays(in: m.durationStr) else {
            out.messages.append(
                error(
                    m.reqId, 321, "Error validating request.-'bP' : cause - Invalid duration string \(m.durationStr)",
                    now: now))
            return out
        }
        let bars = market.dailyBars(for: contract, endingAt: now, count: days)
        var data = TWSHistoricalData()
        data.reqId = m.reqId
        data.bars = bars
        let end = Self.timestamp(now)
        let start = bars.first.map { $0.date + "  00:00:00" } ?? end
        data.startDateStr = start
        data.endDateStr = end
        out.messages.append(.historicalData(data))
        if serverVersion >= TWSServerVersion.historicalDataEnd {
            var endMessage = TWSHistoricalDataEnd()
            endMessage.reqId = m.reqId
            endMessage.startDateStr = start
            endMessage.endDateStr = end
            out.messages.append(.historicalDataEnd(endMessage))
        }
        return out
    }

    /// Trading days in an IB duration string (`200 D`, `4 W`, `6 M`, `1 Y`).
    static func tradingDays(in duration: String) -> Int? {
        let parts = duration.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        switch parts[1].uppercased() {
        case "D": return n
        case "W": return n * 5
        case "M": return n * 21
        case "Y": return n * 252
        default: return nil
        }
    }

    static func timestamp(_ date: Date) -> String { NewYorkTime.format(date, "yyyyMMdd  HH:mm:ss") }

    // MARK: Account

    func accountSummary(_ m: TWSReqAccountSummary, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let wanted = Set(m.tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        for v in account.accountValues(at: now) where wanted.contains(v.tag) || wanted.contains("All") {
            var s = TWSAccountSummary()
            s.reqId = m.reqId
            s.account = v.account
            s.tag = v.tag
            s.value = v.value
            s.currency = v.currency
            out.messages.append(.accountSummary(s))
        }
        out.messages.append(.accountSummaryEnd(.init(reqId: m.reqId)))
        return out
    }

    func accountUpdates(account code: String, now: Date) -> SessionOutput {
        var out = SessionOutput()
        let name = code.isEmpty ? (account.accounts.first ?? "") : code
        for v in account.accountValues(at: now) where v.account == name {
            var value = TWSAccountValue()
            value.key = v.tag
            value.val = v.value
            value.currency = v.currency
            value.accountName = v.account
            out.messages.append(.accountValue(value))
        }
        for p in account.portfolio(at: now) where p.accountName == name {
            out.messages.append(.portfolioValue(p))
        }
        var time = TWSAccountUpdateTime()
        time.timeStamp = NewYorkTime.format(now, "HH:mm")
        out.messages.append(.accountUpdateTime(time))
        var end = TWSAccountDownloadEnd()
        end.accountName = name
        out.messages.append(.accountDownloadEnd(end))
        return out
    }

    func executions(_ m: TWSReqExecutions) -> SessionOutput {
        var out = SessionOutput()
        let f = m.execFilter
        for (details, commission) in account.executions() {
            if f.clientId != 0 && details.execution.clientId != f.clientId { continue }
            if !f.acctCode.isEmpty && details.execution.acctNumber != f.acctCode { continue }
            if !f.symbol.isEmpty && details.contract.symbol != f.symbol { continue }
            if !f.secType.isEmpty && details.contract.secType != f.secType { continue }
            if !f.side.isEmpty && !details.execution.side.hasPrefix(f.side.prefix(1)) { continue }
            var copy = details
            copy.reqId = m.reqId
            out.messages.append(.execDetails(copy))
            var report = TWSCommissionReportMessage()
            report.report = commission
            out.messages.append(.commissionAndFeesReport(report))
        }
        out.messages.append(.execDetailsEnd(.init(reqId: m.reqId)))
        return out
    }
}

/// IB's message-rate rule over a sliding one-second window of real time.
struct MessageRateWindow {
    enum Verdict: Equatable {
        case ok
        case exceeded(received: Int)
        case disconnect(received: Int)
    }

    let limit: Int
    var times: [Double] = []
    var violations: [Double] = []
    /// The most messages seen in any one-second window.
    var peak = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Admits a message at real time `t`. Above the limit plus 10% (arrivals bunch up on the way:
    /// clients pacing at 45/s, as ib_async does, work against real gateways) it is refused, and
    /// three refusals within ten seconds end the connection (IB's "sustained excess").
    mutating func admit(at t: Double) -> Verdict {
        times.removeAll { $0 <= t - 1 }
        times.append(t)
        peak = max(peak, times.count)
        guard times.count > limit + max(1, limit / 10) else { return .ok }
        violations.removeAll { $0 <= t - 10 }
        violations.append(t)
        return violations.count >= 3 ? .disconnect(received: times.count) : .exceeded(received: times.count)
    }
}

/// IB's historical-data pacing rules (real time): identical request within 15 s, six or more
/// requests for the same contract within 2 s, more than 60 requests in 10 minutes.
struct HistoricalRequestPacer {
    var recent: [(key: String, contract: String, at: Double)] = []

    /// nil when admitted, else IB's violation text.
    mutating func admit(key: String, contractKey: String, at t: Double) -> String? {
        recent.removeAll { $0.at <= t - 600 }
        if recent.contains(where: { $0.key == key && $0.at > t - 15 }) {
            return "Pacing violation: identical request within 15 seconds"
        }
        if recent.filter({ $0.contract == contractKey && $0.at > t - 2 }).count >= 5 {
            return "Pacing violation: six or more requests for the same contract within two seconds"
        }
        if recent.count >= 60 {
            return "Pacing violation: more than 60 requests within ten minutes"
        }
        recent.append((key, contractKey, t))
        return nil
    }
}
