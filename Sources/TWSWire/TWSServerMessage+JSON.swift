extension TWSServerMessage {
    /// The official EWrapper callback name of this message's (first) callback.
    public var callbackName: String {
        switch self {
        case .tickPrice: "tickPrice"
        case .tickSize: "tickSize"
        case .orderStatus: "orderStatus"
        case .error: "error"
        case .openOrder: "openOrder"
        case .accountValue: "updateAccountValue"
        case .portfolioValue: "updatePortfolio"
        case .accountUpdateTime: "updateAccountTime"
        case .nextValidId: "nextValidId"
        case .contractData: "contractDetails"
        case .execDetails: "execDetails"
        case .managedAccounts: "managedAccounts"
        case .historicalData: "historicalData"
        case .tickOptionComputation: "tickOptionComputation"
        case .tickGeneric: "tickGeneric"
        case .tickString: "tickString"
        case .currentTime: "currentTime"
        case .contractDataEnd: "contractDetailsEnd"
        case .openOrderEnd: "openOrderEnd"
        case .accountDownloadEnd: "accountDownloadEnd"
        case .execDetailsEnd: "execDetailsEnd"
        case .tickSnapshotEnd: "tickSnapshotEnd"
        case .marketDataType: "marketDataType"
        case .commissionAndFeesReport: "commissionAndFeesReport"
        case .position: "position"
        case .positionEnd: "positionEnd"
        case .accountSummary: "accountSummary"
        case .accountSummaryEnd: "accountSummaryEnd"
        case .accountUpdateMulti: "accountUpdateMulti"
        case .accountUpdateMultiEnd: "accountUpdateMultiEnd"
        case .securityDefinitionOptionParameter: "securityDefinitionOptionParameter"
        case .securityDefinitionOptionParameterEnd: "securityDefinitionOptionParameterEnd"
        case .tickReqParams: "tickReqParams"
        case .historicalDataUpdate: "historicalDataUpdate"
        case .completedOrder: "completedOrder"
        case .completedOrdersEnd: "completedOrdersEnd"
        case .historicalDataEnd: "historicalDataEnd"
        case .unhandled: "unhandled"
        }
    }

    /// The EWrapper callbacks IB's official decoder makes for this message, as JSON objects
    /// `{"message": <callback>, <parameter>: <value>, ...}` with official parameter names.
    public func callbacks(serverVersion: Int) -> [TWSJSONValue] {
        func callback(_ name: String, _ fields: [(String, TWSJSONValue)]) -> TWSJSONValue {
            guard case .object(let pairs) = TWSJSONCoder.nest(fields) else {
                return .object([("message", .string(name))])
            }
            return .object([("message", .string(name))] + pairs)
        }
        switch self {
        case .tickPrice(let m):
            var attrib: [(String, TWSJSONValue)] = [("canAutoExecute", .bool(m.attrMask & 1 != 0))]
            attrib.append(("pastLimit", .bool(m.attrMask & 2 != 0)))
            attrib.append(("preOpen", .bool(m.attrMask & 4 != 0)))
            var out = [
                callback(
                    "tickPrice",
                    [
                        ("reqId", .int(m.reqId)), ("tickType", .int(m.tickType)), ("price", .double(m.price)),
                        ("attrib", .object(attrib)),
                    ])
            ]
            if let sizeType = m.sizeTickType {
                out.append(
                    callback(
                        "tickSize",
                        [
                            ("reqId", .int(m.reqId)), ("tickType", .int(sizeType)),
                            ("size", m.size.map { .string($0.description) } ?? .null),
                        ]))
            }
            return out
        case .historicalData(let m):
            var out = m.bars.map { bar in
                var b = bar
                var coder = TWSJSONCoder(serverVersion: serverVersion)
                try? coder.nested("bar") { c in
                    try c.string(&b.date, "date")
                    try c.double(&b.open, "open")
                    try c.double(&b.high, "high")
                    try c.double(&b.low, "low")
                    try c.double(&b.close, "close")
                    try c.decimal(&b.volume, "volume")
                    try c.decimal(&b.wap, "wap")
                    try c.int(&b.barCount, "barCount")
                }
                return callback("historicalData", [("reqId", .int(m.reqId))] + coder.fields)
            }
            if serverVersion < TWSServerVersion.historicalDataEnd {
                out.append(
                    callback(
                        "historicalDataEnd",
                        [("reqId", .int(m.reqId)), ("start", .string(m.startDateStr)), ("end", .string(m.endDateStr))]))
            }
            return out
        case .openOrder(let m):
            let fields = m.renderedFields(serverVersion: serverVersion).fields
            return [callback("openOrder", [("orderId", .int(m.orderId)), ("order.orderId", .int(m.orderId))] + fields)]
        case .unhandled(let id, let fields):
            return [
                .object([
                    ("message", .string("unhandled")), ("id", .int(id)), ("fields", .array(fields.map { .string($0) })),
                ])
            ]
        case .openOrderEnd, .positionEnd, .completedOrdersEnd:
            return [callback(callbackName, [])]
        default:
            let fields = withLayout { $0.renderedFields(serverVersion: serverVersion).fields } ?? []
            return [callback(callbackName, fields)]
        }
    }
}
