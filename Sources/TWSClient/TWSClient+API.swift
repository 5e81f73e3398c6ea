import Foundation
import Logging
import OptionsModel
import Synchronization
import TWSWire

extension TWSClient {
    // MARK: Request plumbing

    /// Registers a route for a new reqId, sends `request(reqId)`, and folds messages with `step`
    /// until it returns a result, IB fails the request, or `timeout` passes.
    func exchange<R: Sendable>(
        _ name: String, timeout: Duration? = nil, _ request: (Int) -> TWSRequest,
        _ step: @escaping @Sendable (TWSServerMessage) throws -> R?
    ) async throws -> R {
        _ = try await waitUntilReady()
        let reqId = allocateRequestId()
        let (stream, continuation) = AsyncThrowingStream<TWSServerMessage, any Error>.makeStream()
        state.withLock { $0.routes[reqId] = continuation }
        defer { state.withLock { _ = $0.routes.removeValue(forKey: reqId) } }
        try await send(request(reqId))
        return try await withTimeout(timeout ?? configuration.requestTimeout, what: name) {
            for try await message in stream {
                if case .error(let e) = message, let error = self.failure(for: e, request: name) { throw error }
                if let result = try step(message) { return result }
            }
            throw TWSClientError(.disconnected, "\(name): the connection closed")
        }
    }

    /// Same for messages without a reqId (positions, open orders ...): one request per topic at a time.
    func topicExchange<R: Sendable>(
        _ topic: String, timeout: Duration? = nil, send requests: [TWSRequest], after: [TWSRequest] = [],
        _ step: @escaping @Sendable (TWSServerMessage) throws -> R?
    ) async throws -> R {
        _ = try await waitUntilReady()
        try await topicLock.acquire()
        defer { topicLock.release() }
        let (stream, continuation) = AsyncThrowingStream<TWSServerMessage, any Error>.makeStream()
        state.withLock { $0.topics[topic] = continuation }
        defer { state.withLock { _ = $0.topics.removeValue(forKey: topic) } }
        for r in requests { try await send(r) }
        let result = try await withTimeout(timeout ?? configuration.requestTimeout, what: topic) {
            for try await message in stream {
                if let result = try step(message) { return result }
            }
            throw TWSClientError(.disconnected, "\(topic): the connection closed")
        }
        for r in after { try? await send(r) }
        return result
    }

    // MARK: Account and time

    /// The managed accounts of the login.
    public func managedAccounts() async throws -> [String] {
        try await waitUntilReady().accounts
    }

    /// Allocates the next order id (from nextValidId, incremented locally).
    public func nextOrderId() async throws -> Int {
        _ = try await waitUntilReady()
        return allocateOrderId()
    }

    /// The gateway's clock (exchange time against a real gateway, simulated time against the simulator).
    public func currentTime() async throws -> Date {
        try await topicExchange("currentTime", send: [.reqCurrentTime]) { m in
            if case .currentTime(let t) = m { return Date(timeIntervalSince1970: TimeInterval(t.time)) }
            return nil
        }
    }

    // MARK: Contracts

    /// Contract details matching a (possibly partial) contract.
    public func contractDetails(_ contract: TWSContract, timeout: Duration? = nil) async throws -> [TWSContractDetails]
    {
        let collected = Mutex([TWSContractDetails]())
        return try await exchange(
            "reqContractDetails", timeout: timeout,
            { .reqContractDetails(TWSReqContractDetails(reqId: $0, contract: contract)) }
        ) { m in
            switch m {
            case .contractData(let d): collected.withLock { $0.append(d.contractDetails) }
            case .contractDataEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
    }

    /// Option chain parameters (one row per exchange and trading class).
    public func secDefOptParams(symbol: String, secType: String = TWSSecurityType.stock.rawValue, conId: Int)
        async throws
        -> [TWSSecurityDefinitionOptionParameter]
    {
        let collected = Mutex([TWSSecurityDefinitionOptionParameter]())
        return try await exchange(
            "reqSecDefOptParams",
            {
                .reqSecDefOptParams(
                    TWSReqSecDefOptParams(
                        reqId: $0, underlyingSymbol: symbol, underlyingSecType: secType, underlyingConId: conId))
            }
        ) { m in
            switch m {
            case .securityDefinitionOptionParameter(let p): collected.withLock { $0.append(p) }
            case .securityDefinitionOptionParameterEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
    }

    // MARK: Market data

    /// A snapshot: holds a market-data line until tickSnapshotEnd (plus `greeksGrace` for greeks
    /// that lag) or `timeout`, then returns what arrived and which `expected` fields are missing.
    public func snapshot(
        _ contract: TWSContract, timeout: Duration = .seconds(11), greeksGrace: Duration = .milliseconds(500),
        expected: Set<TWSMarketDataSnapshot.Field> = [.bid, .ask]
    ) async throws -> TWSMarketDataSnapshot {
        try await lines.acquire()
        defer { lines.release() }
        return try await collectMarketData(
            contract, genericTicks: "", snapshot: true, timeout: timeout, greeksGrace: greeksGrace, expected: expected)
    }

    /// Subscribe, wait until `fields` arrived or `timeout`, cancel: the route for generic ticks
    /// (open interest 101) that snapshots cannot carry.
    public func sample(
        _ contract: TWSContract, genericTicks: String, until fields: Set<TWSMarketDataSnapshot.Field>,
        timeout: Duration = .seconds(5)
    ) async throws -> TWSMarketDataSnapshot {
        try await lines.acquire()
        defer { lines.release() }
        return try await collectMarketData(
            contract, genericTicks: genericTicks, snapshot: false, timeout: timeout, greeksGrace: .zero,
            expected: fields)
    }

    func collectMarketData(
        _ contract: TWSContract, genericTicks: String, snapshot: Bool, timeout: Duration, greeksGrace: Duration,
        expected: Set<TWSMarketDataSnapshot.Field>
    ) async throws -> TWSMarketDataSnapshot {
        _ = try await waitUntilReady()
        let reqId = allocateRequestId()
        let (stream, continuation) = AsyncThrowingStream<TWSServerMessage, any Error>.makeStream()
        state.withLock { $0.routes[reqId] = continuation }
        defer { state.withLock { _ = $0.routes.removeValue(forKey: reqId) } }
        let request = TWSReqMktData(reqId: reqId, contract: contract, genericTickList: genericTicks, snapshot: snapshot)
        try await send(.reqMktData(request))
        let isOption = contract.secType == TWSSecurityType.option.rawValue
        let box = Locked(TWSMarketDataSnapshot())
        let ended = Flag()
        let (endSignal, endContinuation) = AsyncStream<Void>.makeStream()
        let done: Bool = try await withTimeoutOrFalse(timeout) {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await message in stream {
                        if case .error(let e) = message {
                            if let error = self.failure(for: e, request: "reqMktData") { throw error }
                            box.withLock { $0.warnings.append(e.errorCode) }
                            continue
                        }
                        box.withLock { $0.apply(message) }
                        let complete = box.withLock { snap in expected.allSatisfy { snap.has($0) } }
                        if case .tickSnapshotEnd = message {
                            // Greeks can lag the snapshot's end: give them a grace period.
                            if complete || !isOption || !expected.contains(.greeks) { return true }
                            endContinuation.yield()
                        }
                        if complete && (!snapshot || ended.isSet) { return true }
                        if case .tickSnapshotEnd = message { ended.set() }
                    }
                    return false
                }
                group.addTask {
                    for await _ in endSignal {
                        try await Task.sleep(for: greeksGrace)
                        return true
                    }
                    return false
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if result { return true }
                }
                return false
            }
        }
        endContinuation.finish()
        if !snapshot || !done {
            // A stream, or a snapshot cut short: free the gateway's line.
            try? await send(.cancelMktData(reqId: reqId))
        }
        var result = box.withLock { $0 }
        result.timedOut = !done
        result.markMissing(expected)
        if result.bid != nil || result.ask != nil || result.last != nil {
            // IB sends no "competing session ended": quotes flowing again are the sign.
            state.withLock { $0.status.competingSession = false }
        }
        return result
    }

    /// Streaming market data; iterating ends (and sends cancelMktData, freeing the line) when the
    /// consumer stops. Re-established automatically after reconnects and 1101.
    public func marketDataStream(_ contract: TWSContract, genericTicks: String = "") async throws -> TWSMarketDataStream
    {
        _ = try await waitUntilReady()
        try await lines.acquire()
        let reqId = allocateRequestId()
        let request = TWSReqMktData(reqId: reqId, contract: contract, genericTickList: genericTicks, snapshot: false)
        let (raw, rawContinuation) = AsyncThrowingStream<TWSServerMessage, any Error>.makeStream()
        let outbox = outboxContinuation
        let lines = self.lines
        rawContinuation.onTermination = { _ in
            let wasLive = self.state.withLock { s -> Bool in
                s.routes.removeValue(forKey: reqId)
                return s.subscriptions.removeValue(forKey: reqId) != nil
            }
            if wasLive { outbox.yield(.cancelMktData(reqId: reqId)) }
            lines.release()
        }
        state.withLock { s in
            s.routes[reqId] = rawContinuation
            s.subscriptions[reqId] = request
        }
        do {
            try await send(.reqMktData(request))
        } catch {
            rawContinuation.finish(throwing: error)
            throw error
        }
        // The consumer's iteration drives the raw stream through this relay; no task outlives it, and
        // dropping the iterator (or the stream) ends the raw stream, whose onTermination cancels at
        // the gateway and frees the line.
        let relay = Relay(
            raw: raw, continuation: rawContinuation, failure: { self.failure(for: $0, request: "reqMktData") })
        return TWSMarketDataStream(relay: relay)
    }

    /// Pulls raw messages for one subscription and turns them into updates.
    final class Relay: @unchecked Sendable {
        // AsyncThrowingStream(unfolding:) calls `next()` for one consumer, one call at a time, so
        // the iterator is never used concurrently; that is why this class may be unchecked.
        var iterator: AsyncThrowingStream<TWSServerMessage, any Error>.AsyncIterator
        let snapshot: Mutex<TWSMarketDataSnapshot>
        let failure: @Sendable (TWSErrorMessage) -> TWSClientError?

        let continuation: AsyncThrowingStream<TWSServerMessage, any Error>.Continuation

        init(
            raw: AsyncThrowingStream<TWSServerMessage, any Error>,
            continuation: AsyncThrowingStream<TWSServerMessage, any Error>.Continuation,
            failure: @escaping @Sendable (TWSErrorMessage) -> TWSClientError?
        ) {
            self.iterator = raw.makeAsyncIterator()
            self.continuation = continuation
            self.snapshot = Mutex(TWSMarketDataSnapshot())
            self.failure = failure
        }

        /// Ends the subscription (idempotent).
        func finish() { continuation.finish() }

        deinit { continuation.finish() }

        func next() async throws -> TWSMarketDataUpdate? {
            guard let message = try await iterator.next() else { return nil }
            if message == TWSClient.resubscribedMarker { return .resubscribed }
            if case .error(let e) = message {
                if let error = failure(e) { throw error }
                return .notice(code: e.errorCode, message: e.errorString)
            }
            let current = snapshot.withLock { s -> TWSMarketDataSnapshot in
                s.apply(message)
                return s
            }
            return .tick(message, snapshot: current)
        }
    }

    /// Ends its subscription when the iteration ends.
    final class IterationToken: Sendable {
        let relay: Relay
        init(relay: Relay) { self.relay = relay }
        deinit { relay.finish() }
    }

    // MARK: History and account

    /// Daily (or other) bars; paced per IB's historical rules before sending.
    public func historicalBars(
        _ contract: TWSContract, duration: String = "1 Y", barSize: String = "1 day", whatToShow: String = "TRADES",
        useRTH: Bool = true, timeout: Duration? = nil
    ) async throws -> [TWSBar] {
        let key = "\(contract.conId)|\(contract.symbol)|\(contract.secType)|\(duration)|\(barSize)|\(whatToShow)"
        try await historical.acquire(key: key, contract: "\(contract.conId)|\(contract.symbol)|\(whatToShow)")
        defer { historical.release() }
        let collected = Mutex([TWSBar]())
        let serverVersion = try await waitUntilReady().serverVersion
        return try await exchange(
            "reqHistoricalData", timeout: timeout,
            { reqId in
                var r = TWSReqHistoricalData()
                r.reqId = reqId
                r.contract = contract
                r.durationStr = duration
                r.barSizeSetting = barSize
                r.whatToShow = whatToShow
                r.useRTH = useRTH ? 1 : 0
                return .reqHistoricalData(r)
            }
        ) { m in
            switch m {
            case .historicalData(let h):
                collected.withLock { $0 += h.bars }
                if serverVersion < TWSServerVersion.historicalDataEnd { return collected.withLock { $0 } }
            case .historicalDataEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
    }

    /// Account summary values (tag -> value) per account.
    public func accountSummary(tags: [String] = ["NetLiquidation", "TotalCashValue", "BuyingPower", "MaintMarginReq"])
        async throws -> [TWSAccountSummary]
    {
        let collected = Mutex([TWSAccountSummary]())
        let reqIdBox = Mutex(0)
        let result = try await exchange(
            "reqAccountSummary",
            { reqId in
                reqIdBox.withLock { $0 = reqId }
                var r = TWSReqAccountSummary()
                r.reqId = reqId
                r.tags = tags.joined(separator: ",")
                return .reqAccountSummary(r)
            }
        ) { m in
            switch m {
            case .accountSummary(let a): collected.withLock { $0.append(a) }
            case .accountSummaryEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
        try? await send(.cancelAccountSummary(reqId: reqIdBox.withLock { $0 }))
        return result
    }

    /// All positions of the managed accounts.
    public func positions() async throws -> [TWSPosition] {
        let collected = Mutex([TWSPosition]())
        return try await topicExchange("positions", send: [.reqPositions], after: [.cancelPositions]) { m in
            switch m {
            case .position(let p): collected.withLock { $0.append(p) }
            case .positionEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
    }

    /// Open orders of every client, with their latest status.
    public func openOrders() async throws -> [TWSOpenOrder] {
        let collected = Mutex([Int: TWSOpenOrder]())
        return try await topicExchange("openOrders", send: [.reqAllOpenOrders]) { m in
            switch m {
            case .openOrder(let o): collected.withLock { $0[o.orderId] = o }
            case .openOrderEnd: return collected.withLock { $0.values.sorted { $0.orderId < $1.orderId } }
            default: break
            }
            return nil
        }
    }

    /// Completed (filled or cancelled) orders.
    public func completedOrders() async throws -> [TWSCompletedOrder] {
        let collected = Mutex([TWSCompletedOrder]())
        return try await topicExchange("completedOrders", send: [.reqCompletedOrders(TWSReqCompletedOrders())]) { m in
            switch m {
            case .completedOrder(let o): collected.withLock { $0.append(o) }
            case .completedOrdersEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
    }

    /// Executions matching `filter`, each once (by execId) and joined with its commission report.
    public func executions(filter: TWSExecutionFilter = TWSExecutionFilter()) async throws -> [TWSExecutionReport] {
        _ = try await waitUntilReady()
        let commissions = Mutex([String: TWSCommissionAndFeesReport]())
        let (commissionStream, commissionContinuation) = AsyncThrowingStream<TWSServerMessage, any Error>.makeStream()
        try await topicLock.acquire()
        state.withLock { $0.topics["executions"] = commissionContinuation }
        defer {
            state.withLock { _ = $0.topics.removeValue(forKey: "executions") }
            topicLock.release()
        }
        let collected = Mutex([TWSExecDetails]())
        let details = try await exchange(
            "reqExecutions",
            { reqId in
                var r = TWSReqExecutions()
                r.reqId = reqId
                r.execFilter = filter
                return .reqExecutions(r)
            }
        ) { m in
            switch m {
            case .execDetails(let e): collected.withLock { $0.append(e) }
            case .execDetailsEnd: return collected.withLock { $0 }
            default: break
            }
            return nil
        }
        commissionContinuation.finish()
        for try await m in commissionStream {
            if case .commissionAndFeesReport(let c) = m { commissions.withLock { $0[c.report.execId] = c.report } }
        }
        var seen = Set<String>()
        return details.filter { seen.insert($0.execution.execId).inserted }.map { d in
            TWSExecutionReport(details: d, commission: commissions.withLock { $0[d.execution.execId] })
        }
    }

    // MARK: Orders

    /// Places an order on a paper account. Refused (and logged) unless every managed account is a
    /// paper account: no order may reach a live account.
    public func placeOrder(contract: TWSContract, order: TWSOrder) async throws -> TWSOrderHandle {
        let info = try await waitUntilReady()
        guard info.allAccountsArePaper else {
            let message =
                "refusing to place an order: managed accounts \(info.accounts.joined(separator: ",")) are not all paper accounts (ids beginning with D)"
            logger.error(
                "order refused: not a paper account",
                metadata: ["tws.accounts": "\(info.accounts.joined(separator: ","))"])
            throw TWSClientError(.notPaperAccount, message)
        }
        let orderId = allocateOrderId()
        let (events, continuation) = AsyncStream<TWSOrderEvent>.makeStream()
        continuation.onTermination = { _ in _ = self.state.withLock { $0.orders.removeValue(forKey: orderId) } }
        state.withLock { $0.orders[orderId] = continuation }
        var o = order
        o.orderId = orderId
        do {
            try await send(.placeOrder(TWSPlaceOrder(orderId: orderId, contract: contract, order: o)))
        } catch {
            continuation.finish()
            throw error
        }
        logger.info("order placed", metadata: ["tws.order_id": "\(orderId)", "tws.order_ref": "\(order.orderRef)"])
        return TWSOrderHandle(orderId: orderId, events: events)
    }

    /// Re-prices or resizes a working order placed by this client: placeOrder again with its id, so
    /// its events keep arriving on the original handle. The paper-only rule applies as for a new order.
    public func modifyOrder(_ orderId: Int, contract: TWSContract, order: TWSOrder) async throws {
        let info = try await waitUntilReady()
        guard info.allAccountsArePaper else {
            throw TWSClientError(
                .notPaperAccount, "refusing to modify an order: managed accounts are not all paper accounts")
        }
        var o = order
        o.orderId = orderId
        try await send(.placeOrder(TWSPlaceOrder(orderId: orderId, contract: contract, order: o)))
    }

    /// Cancels an order.
    public func cancelOrder(_ orderId: Int) async throws {
        _ = try await waitUntilReady()
        try await send(.cancelOrder(TWSCancelOrder(orderId: orderId)))
    }

    /// Cancels every open order of every client.
    public func globalCancel() async throws {
        _ = try await waitUntilReady()
        try await send(.reqGlobalCancel(TWSReqGlobalCancel()))
    }
}

/// A value shared between this file's tasks behind a lock (tests use TestSupport's `Locked`).
private final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// Runs `body`; false when `duration` passes first.
func withTimeoutOrFalse(_ duration: Duration, _ body: @escaping @Sendable () async throws -> Bool) async throws -> Bool
{
    try await withThrowingTaskGroup(of: Bool?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { return false }
        return first ?? false
    }
}

/// A streaming market-data subscription: iterate it for updates; when the iteration ends (break,
/// error, cancellation) or the value is dropped, cancelMktData goes out and the line is freed.
public struct TWSMarketDataStream: AsyncSequence, Sendable {
    public typealias Element = TWSMarketDataUpdate
    let relay: TWSClient.Relay

    public func makeAsyncIterator() -> Iterator { Iterator(token: TWSClient.IterationToken(relay: relay)) }

    /// Ends the subscription now.
    public func cancel() { relay.finish() }

    public struct Iterator: AsyncIteratorProtocol {
        let token: TWSClient.IterationToken

        public mutating func next() async throws -> TWSMarketDataUpdate? {
            try await token.relay.next()
        }
    }
}
