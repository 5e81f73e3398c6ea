import NIOCore

/// Every client -> gateway request the product sends, as typed values named after IB's EClient
/// functions. The client encodes these; the simulator decodes them.
public enum TWSRequest: Sendable, Hashable {
    case startApi(TWSStartAPI)
    case reqIds(TWSReqIds)
    case reqManagedAccts
    case reqMarketDataType(TWSReqMarketDataType)
    case reqContractDetails(TWSReqContractDetails)
    case reqSecDefOptParams(TWSReqSecDefOptParams)
    case reqMktData(TWSReqMktData)
    case cancelMktData(reqId: Int)
    case reqHistoricalData(TWSReqHistoricalData)
    case cancelHistoricalData(reqId: Int)
    case reqAccountSummary(TWSReqAccountSummary)
    case cancelAccountSummary(reqId: Int)
    case reqPositions
    case cancelPositions
    case reqAccountUpdates(TWSReqAccountUpdates)
    case reqOpenOrders
    case reqAllOpenOrders
    case reqAutoOpenOrders(TWSReqAutoOpenOrders)
    case reqCompletedOrders(TWSReqCompletedOrders)
    case reqExecutions(TWSReqExecutions)
    case reqCurrentTime
    indirect case placeOrder(TWSPlaceOrder)
    case cancelOrder(TWSCancelOrder)
    case reqGlobalCancel(TWSReqGlobalCancel)
    case reqAccountUpdatesMulti(TWSReqAccountUpdatesMulti)
    case cancelAccountUpdatesMulti(reqId: Int)

    /// Message ids (IB's `OUT` constants).
    public enum ID {
        public static let reqMktData = 1
        public static let cancelMktData = 2
        public static let placeOrder = 3
        public static let cancelOrder = 4
        public static let reqOpenOrders = 5
        public static let reqAccountUpdates = 6
        public static let reqExecutions = 7
        public static let reqIds = 8
        public static let reqContractDetails = 9
        public static let reqAutoOpenOrders = 15
        public static let reqAllOpenOrders = 16
        public static let reqManagedAccts = 17
        public static let reqHistoricalData = 20
        public static let cancelHistoricalData = 25
        public static let reqCurrentTime = 49
        public static let reqGlobalCancel = 58
        public static let reqMarketDataType = 59
        public static let reqPositions = 61
        public static let reqAccountSummary = 62
        public static let cancelAccountSummary = 63
        public static let cancelPositions = 64
        public static let startApi = 71
        public static let reqAccountUpdatesMulti = 76
        public static let cancelAccountUpdatesMulti = 77
        public static let reqSecDefOptParams = 78
        public static let reqCompletedOrders = 99
    }

    /// The message id.
    public var id: Int {
        switch self {
        case .startApi: ID.startApi
        case .reqIds: ID.reqIds
        case .reqManagedAccts: ID.reqManagedAccts
        case .reqMarketDataType: ID.reqMarketDataType
        case .reqContractDetails: ID.reqContractDetails
        case .reqSecDefOptParams: ID.reqSecDefOptParams
        case .reqMktData: ID.reqMktData
        case .cancelMktData: ID.cancelMktData
        case .reqHistoricalData: ID.reqHistoricalData
        case .cancelHistoricalData: ID.cancelHistoricalData
        case .reqAccountSummary: ID.reqAccountSummary
        case .cancelAccountSummary: ID.cancelAccountSummary
        case .reqPositions: ID.reqPositions
        case .cancelPositions: ID.cancelPositions
        case .reqAccountUpdates: ID.reqAccountUpdates
        case .reqOpenOrders: ID.reqOpenOrders
        case .reqAllOpenOrders: ID.reqAllOpenOrders
        case .reqAutoOpenOrders: ID.reqAutoOpenOrders
        case .reqCompletedOrders: ID.reqCompletedOrders
        case .reqExecutions: ID.reqExecutions
        case .reqCurrentTime: ID.reqCurrentTime
        case .placeOrder: ID.placeOrder
        case .cancelOrder: ID.cancelOrder
        case .reqGlobalCancel: ID.reqGlobalCancel
        case .reqAccountUpdatesMulti: ID.reqAccountUpdatesMulti
        case .cancelAccountUpdatesMulti: ID.cancelAccountUpdatesMulti
        }
    }

    /// The official EClient function name.
    public var name: String {
        switch self {
        case .startApi: "startApi"
        case .reqIds: "reqIds"
        case .reqManagedAccts: "reqManagedAccts"
        case .reqMarketDataType: "reqMarketDataType"
        case .reqContractDetails: "reqContractDetails"
        case .reqSecDefOptParams: "reqSecDefOptParams"
        case .reqMktData: "reqMktData"
        case .cancelMktData: "cancelMktData"
        case .reqHistoricalData: "reqHistoricalData"
        case .cancelHistoricalData: "cancelHistoricalData"
        case .reqAccountSummary: "reqAccountSummary"
        case .cancelAccountSummary: "cancelAccountSummary"
        case .reqPositions: "reqPositions"
        case .cancelPositions: "cancelPositions"
        case .reqAccountUpdates: "reqAccountUpdates"
        case .reqOpenOrders: "reqOpenOrders"
        case .reqAllOpenOrders: "reqAllOpenOrders"
        case .reqAutoOpenOrders: "reqAutoOpenOrders"
        case .reqCompletedOrders: "reqCompletedOrders"
        case .reqExecutions: "reqExecutions"
        case .reqCurrentTime: "reqCurrentTime"
        case .placeOrder: "placeOrder"
        case .cancelOrder: "cancelOrder"
        case .reqGlobalCancel: "reqGlobalCancel"
        case .reqAccountUpdatesMulti: "reqAccountUpdatesMulti"
        case .cancelAccountUpdatesMulti: "cancelAccountUpdatesMulti"
        }
    }

    /// Runs `body` with the request's layout.
    func withLayout<R>(_ body: (any TWSMessageLayout) throws -> R) rethrows -> R {
        switch self {
        case .startApi(let m): try body(m)
        case .reqIds(let m): try body(m)
        case .reqMarketDataType(let m): try body(m)
        case .reqContractDetails(let m): try body(m)
        case .reqSecDefOptParams(let m): try body(m)
        case .reqMktData(let m): try body(m)
        case .cancelMktData(let reqId): try body(TWSCancelRequest(reqId: reqId, versionField: 2))
        case .reqHistoricalData(let m): try body(m)
        case .cancelHistoricalData(let reqId), .cancelAccountSummary(let reqId), .cancelAccountUpdatesMulti(let reqId):
            try body(TWSCancelRequest(reqId: reqId))
        case .reqAccountSummary(let m): try body(m)
        case .reqManagedAccts, .reqPositions, .cancelPositions, .reqOpenOrders, .reqAllOpenOrders, .reqCurrentTime:
            try body(TWSPlainRequest())
        case .reqAccountUpdates(let m): try body(m)
        case .reqAutoOpenOrders(let m): try body(m)
        case .reqCompletedOrders(let m): try body(m)
        case .reqExecutions(let m): try body(m)
        case .placeOrder(let m): try body(m)
        case .cancelOrder(let m): try body(m)
        case .reqGlobalCancel(let m): try body(m)
        case .reqAccountUpdatesMulti(let m): try body(m)
        }
    }

    // MARK: Encoding (client side)

    /// Appends this request as one frame, byte for byte as IB's official client writes it.
    public func encode(serverVersion: Int, into buffer: inout ByteBuffer) throws {
        var writer = TWSFieldWriter(buffer: buffer, serverVersion: serverVersion, dialect: .client)
        writer.write(id)
        try withLayout { layout in try Self.encodeLayout(layout, into: &writer) }
        buffer = writer.finish()
    }

    /// One frame holding this request.
    public func encoded(serverVersion: Int) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(serverVersion: serverVersion, into: &buffer)
        return buffer
    }

    private static func encodeLayout<L: TWSMessageLayout>(_ layout: L, into writer: inout TWSFieldWriter) throws {
        var copy = layout
        try copy.code(&writer)
    }

    // MARK: Decoding (simulator side)

    /// Decodes one request frame payload at `serverVersion`; unknown ids are an error the caller
    /// answers (the gateway ignores them), never a crash.
    public static func decode(payload: ByteBuffer, serverVersion: Int) throws -> TWSRequest {
        try payload.withUnsafeReadableBytes { bytes in
            var r = TWSFieldReader(bytes: bytes, serverVersion: serverVersion)
            guard let id = try r.readInt() else { throw TWSWireError(.malformedField, "empty message id") }
            switch id {
            case ID.startApi: return .startApi(try .decode(from: &r))
            case ID.reqIds: return .reqIds(try .decode(from: &r))
            case ID.reqManagedAccts: _ = try TWSPlainRequest.decode(from: &r); return .reqManagedAccts
            case ID.reqMarketDataType: return .reqMarketDataType(try .decode(from: &r))
            case ID.reqContractDetails: return .reqContractDetails(try .decode(from: &r))
            case ID.reqSecDefOptParams: return .reqSecDefOptParams(try .decode(from: &r))
            case ID.reqMktData: return .reqMktData(try .decode(from: &r))
            case ID.cancelMktData: return .cancelMktData(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.reqHistoricalData: return .reqHistoricalData(try .decode(from: &r))
            case ID.cancelHistoricalData:
                return .cancelHistoricalData(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.reqAccountSummary: return .reqAccountSummary(try .decode(from: &r))
            case ID.cancelAccountSummary:
                return .cancelAccountSummary(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.reqPositions: _ = try TWSPlainRequest.decode(from: &r); return .reqPositions
            case ID.cancelPositions: _ = try TWSPlainRequest.decode(from: &r); return .cancelPositions
            case ID.reqAccountUpdates: return .reqAccountUpdates(try .decode(from: &r))
            case ID.reqOpenOrders: _ = try TWSPlainRequest.decode(from: &r); return .reqOpenOrders
            case ID.reqAllOpenOrders: _ = try TWSPlainRequest.decode(from: &r); return .reqAllOpenOrders
            case ID.reqAutoOpenOrders: return .reqAutoOpenOrders(try .decode(from: &r))
            case ID.reqCompletedOrders: return .reqCompletedOrders(try .decode(from: &r))
            case ID.reqExecutions: return .reqExecutions(try .decode(from: &r))
            case ID.reqCurrentTime: _ = try TWSPlainRequest.decode(from: &r); return .reqCurrentTime
            case ID.placeOrder: return .placeOrder(try .decode(from: &r))
            case ID.cancelOrder: return .cancelOrder(try .decode(from: &r))
            case ID.reqGlobalCancel: return .reqGlobalCancel(try .decode(from: &r))
            case ID.reqAccountUpdatesMulti: return .reqAccountUpdatesMulti(try .decode(from: &r))
            case ID.cancelAccountUpdatesMulti:
                return .cancelAccountUpdatesMulti(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            default:
                throw TWSWireError(.unknownMessage, "unknown request id \(id)")
            }
        }
    }

    /// `{"message": <EClient name>, <parameter>: <value>, ...}` for `wire decode --from client`.
    public func json(serverVersion: Int) -> TWSJSONValue {
        let fields = withLayout { $0.renderedFields(serverVersion: serverVersion).fields }
        guard case .object(let pairs) = TWSJSONCoder.nest(fields) else { return .null }
        return .object([("message", .string(name))] + pairs)
    }
}
