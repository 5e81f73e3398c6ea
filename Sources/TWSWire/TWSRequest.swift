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
    case reqPnL(TWSReqPnL)
    case cancelPnL(reqId: Int)
    case reqPnLSingle(TWSReqPnLSingle)
    case cancelPnLSingle(reqId: Int)
    indirect case reqHeadTimeStamp(TWSReqHeadTimeStamp)
    case cancelHeadTimeStamp(reqId: Int)
    indirect case calculateImpliedVolatility(TWSCalculateOption)
    indirect case calculateOptionPrice(TWSCalculateOption)
    case cancelCalculateImpliedVolatility(reqId: Int)
    case cancelCalculateOptionPrice(reqId: Int)
    case reqMatchingSymbols(TWSReqMatchingSymbols)
    indirect case reqRealTimeBars(TWSReqRealTimeBars)
    case cancelRealTimeBars(reqId: Int)
    indirect case exerciseOptions(TWSExerciseOptions)

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
        public static let exerciseOptions = 21
        public static let reqRealTimeBars = 50
        public static let cancelRealTimeBars = 51
        public static let calculateImpliedVolatility = 54
        public static let calculateOptionPrice = 55
        public static let cancelCalculateImpliedVolatility = 56
        public static let cancelCalculateOptionPrice = 57
        public static let reqMatchingSymbols = 81
        public static let reqHeadTimeStamp = 87
        public static let cancelHeadTimeStamp = 90
        public static let reqPnL = 92
        public static let cancelPnL = 93
        public static let reqPnLSingle = 94
        public static let cancelPnLSingle = 95
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
        case .reqPnL: ID.reqPnL
        case .cancelPnL: ID.cancelPnL
        case .reqPnLSingle: ID.reqPnLSingle
        case .cancelPnLSingle: ID.cancelPnLSingle
        case .reqHeadTimeStamp: ID.reqHeadTimeStamp
        case .cancelHeadTimeStamp: ID.cancelHeadTimeStamp
        case .calculateImpliedVolatility: ID.calculateImpliedVolatility
        case .calculateOptionPrice: ID.calculateOptionPrice
        case .cancelCalculateImpliedVolatility: ID.cancelCalculateImpliedVolatility
        case .cancelCalculateOptionPrice: ID.cancelCalculateOptionPrice
        case .reqMatchingSymbols: ID.reqMatchingSymbols
        case .reqRealTimeBars: ID.reqRealTimeBars
        case .cancelRealTimeBars: ID.cancelRealTimeBars
        case .exerciseOptions: ID.exerciseOptions
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
        case .reqPnL: "reqPnL"
        case .cancelPnL: "cancelPnL"
        case .reqPnLSingle: "reqPnLSingle"
        case .cancelPnLSingle: "cancelPnLSingle"
        case .reqHeadTimeStamp: "reqHeadTimeStamp"
        case .cancelHeadTimeStamp: "cancelHeadTimeStamp"
        case .calculateImpliedVolatility: "calculateImpliedVolatility"
        case .calculateOptionPrice: "calculateOptionPrice"
        case .cancelCalculateImpliedVolatility: "cancelCalculateImpliedVolatility"
        case .cancelCalculateOptionPrice: "cancelCalculateOptionPrice"
        case .reqMatchingSymbols: "reqMatchingSymbols"
        case .reqRealTimeBars: "reqRealTimeBars"
        case .cancelRealTimeBars: "cancelRealTimeBars"
        case .exerciseOptions: "exerciseOptions"
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
        case .cancelPnL(let reqId), .cancelPnLSingle(let reqId), .cancelHeadTimeStamp(let reqId):
            try body(TWSReqIdOnly(reqId: reqId))
        case .cancelCalculateImpliedVolatility(let reqId), .cancelCalculateOptionPrice(let reqId),
            .cancelRealTimeBars(let reqId):
            try body(TWSCancelRequest(reqId: reqId))
        case .reqPnL(let m): try body(m)
        case .reqPnLSingle(let m): try body(m)
        case .reqHeadTimeStamp(let m): try body(m)
        case .calculateImpliedVolatility(let m), .calculateOptionPrice(let m): try body(m)
        case .reqMatchingSymbols(let m): try body(m)
        case .reqRealTimeBars(let m): try body(m)
        case .exerciseOptions(let m): try body(m)
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
            case ID.reqPnL: return .reqPnL(try .decode(from: &r))
            case ID.cancelPnL: return .cancelPnL(reqId: try TWSReqIdOnly.decode(from: &r).reqId)
            case ID.reqPnLSingle: return .reqPnLSingle(try .decode(from: &r))
            case ID.cancelPnLSingle: return .cancelPnLSingle(reqId: try TWSReqIdOnly.decode(from: &r).reqId)
            case ID.reqHeadTimeStamp: return .reqHeadTimeStamp(try .decode(from: &r))
            case ID.cancelHeadTimeStamp: return .cancelHeadTimeStamp(reqId: try TWSReqIdOnly.decode(from: &r).reqId)
            case ID.calculateImpliedVolatility: return .calculateImpliedVolatility(try .decode(from: &r))
            case ID.calculateOptionPrice: return .calculateOptionPrice(try .decode(from: &r))
            case ID.cancelCalculateImpliedVolatility:
                return .cancelCalculateImpliedVolatility(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.cancelCalculateOptionPrice:
                return .cancelCalculateOptionPrice(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.reqMatchingSymbols: return .reqMatchingSymbols(try .decode(from: &r))
            case ID.reqRealTimeBars: return .reqRealTimeBars(try .decode(from: &r))
            case ID.cancelRealTimeBars: return .cancelRealTimeBars(reqId: try TWSCancelRequest.decode(from: &r).reqId)
            case ID.exerciseOptions: return .exerciseOptions(try .decode(from: &r))
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
