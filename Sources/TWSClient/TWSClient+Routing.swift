import Logging
import Synchronization
import TWSWire

extension TWSClient {
    /// IB error codes that warn about a request without ending it (besides the 2100-2169 notices).
    static let warningCodes: Set<TWSErrorCode> = [.delayedDisplayed, .partlyNotSubscribed, .orderWarning]

    /// Sends every message to whoever waits for it: the request with its reqId, the order with its
    /// orderId, a topic (positions, open orders ...), or the connection status.
    func route(_ m: TWSServerMessage) {
        switch m {
        case .tickPrice(let t): deliver(t.reqId, m)
        case .tickSize(let t): deliver(t.reqId, m)
        case .tickOptionComputation(let t): deliver(t.reqId, m)
        case .tickGeneric(let t): deliver(t.reqId, m)
        case .tickString(let t): deliver(t.reqId, m)
        case .tickReqParams(let t): deliver(t.tickerId, m)
        case .marketDataType(let t): deliver(t.reqId, m)
        case .tickSnapshotEnd(let e): deliver(e.reqId, m)
        case .contractData(let d): deliver(d.reqId, m)
        case .contractDataEnd(let e): deliver(e.reqId, m)
        case .securityDefinitionOptionParameter(let p): deliver(p.reqId, m)
        case .securityDefinitionOptionParameterEnd(let e): deliver(e.reqId, m)
        case .historicalData(let h): deliver(h.reqId, m)
        case .historicalDataEnd(let h): deliver(h.reqId, m)
        case .historicalDataUpdate(let h): deliver(h.reqId, m)
        case .accountSummary(let a): deliver(a.reqId, m)
        case .accountSummaryEnd(let e): deliver(e.reqId, m)
        case .accountUpdateMulti(let a): deliver(a.reqId, m)
        case .accountUpdateMultiEnd(let e): deliver(e.reqId, m)
        case .execDetails(let e):
            if e.reqId >= 0 { deliver(e.reqId, m) }
            // A reconnect or a reqExecutions re-delivers executions: an order hears of each execId once.
            let isNew = state.withLock { s in
                s.execToOrder.updateValue(e.execution.orderId, forKey: e.execution.execId) == nil
            }
            if isNew { orderEvent(e.execution.orderId, .execution(e)) }
        case .execDetailsEnd(let e): deliver(e.reqId, m)
        case .commissionAndFeesReport(let c):
            deliverTopic("executions", m)
            let order = state.withLock { s -> Int? in
                guard let order = s.execToOrder[c.report.execId] else { return nil }
                return s.commissionsDelivered.insert(c.report.execId).inserted ? order : nil
            }
            if let order { orderEvent(order, .commission(c.report)) }
        case .orderStatus(let s):
            orderEvent(s.orderId, .status(s))
            deliverTopic("openOrders", m)
        case .openOrder(let o):
            orderEvent(o.orderId, .openOrder(o))
            deliverTopic("openOrders", m)
        case .openOrderEnd: deliverTopic("openOrders", m)
        case .completedOrder, .completedOrdersEnd: deliverTopic("completedOrders", m)
        case .position, .positionEnd: deliverTopic("positions", m)
        case .currentTime: deliverTopic("currentTime", m)
        case .nextValidId(let n): state.withLock { $0.nextOrderId = max($0.nextOrderId, n.orderId) }
        case .managedAccounts: break
        case .accountValue, .portfolioValue, .accountUpdateTime, .accountDownloadEnd: deliverTopic("accountUpdates", m)
        case .error(let e): routeError(e, m)
        case .unhandled(let id, _): logger.debug("unhandled message", metadata: ["tws.msg_id": "\(id)"])
        }
    }

    func deliver(_ reqId: Int, _ m: TWSServerMessage) {
        state.withLock { s in _ = s.routes[reqId]?.yield(m) }
    }

    func deliverTopic(_ topic: String, _ m: TWSServerMessage) {
        state.withLock { s in _ = s.topics[topic]?.yield(m) }
    }

    func orderEvent(_ orderId: Int, _ event: TWSOrderEvent) {
        state.withLock { s in _ = s.orders[orderId]?.yield(event) }
    }

    func routeError(_ e: TWSErrorMessage, _ m: TWSServerMessage) {
        let target = state.withLock { s -> String in
            if s.routes[e.reqId] != nil { return "request" }
            if s.orders[e.reqId] != nil { return "order" }
            return "connection"
        }
        switch target {
        case "request":
            deliver(e.reqId, m)
        case "order":
            orderEvent(e.reqId, .error(code: e.errorCode, message: e.errorString))
        default:
            let event = state.withLock { $0.status.apply(code: e.errorCode, message: e.errorString) }
            if let event { eventsContinuation.yield(event) }
            if TWSErrorCode(e.errorCode) == .connectivityRestoredDataLost {
                let live = state.withLock { Array($0.subscriptions.values) }
                for request in live { outboxContinuation.yield(.reqMktData(request)) }
                if !live.isEmpty { eventsContinuation.yield(.subscriptionsRestored(count: live.count)) }
            }
            if TWSErrorCode(e.errorCode).isGatewayNotice {
                logger.debug(
                    "gateway notice", metadata: ["tws.code": "\(e.errorCode)", "tws.message": "\(e.errorString)"])
            } else {
                logger.notice(
                    "gateway message",
                    metadata: [
                        "tws.code": "\(e.errorCode)", "tws.req_id": "\(e.reqId)", "tws.message": "\(e.errorString)",
                    ])
            }
        }
    }

    /// The error a request fails with for IB's error message, or nil for a warning.
    func failure(for e: TWSErrorMessage, request: String) -> TWSClientError? {
        let code = TWSErrorCode(e.errorCode)
        if Self.warningCodes.contains(code) || code.isGatewayNotice { return nil }
        return TWSClientError(
            .requestFailed, "\(request) refused: \(e.errorString)", ibCode: e.errorCode,
            advancedOrderRejectJson: e.advancedOrderRejectJson.isEmpty ? nil : e.advancedOrderRejectJson)
    }
}
