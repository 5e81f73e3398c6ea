import NIOCore

/// Every gateway -> client message the product uses, as typed values. Unknown ids decode to
/// `.unhandled` with their raw fields, never to an error that would drop the connection.
public enum TWSServerMessage: Sendable, Hashable {
    case tickPrice(TWSTickPrice)
    case tickSize(TWSTickSize)
    case orderStatus(TWSOrderStatus)
    case error(TWSErrorMessage)
    indirect case openOrder(TWSOpenOrder)
    case accountValue(TWSAccountValue)
    indirect case portfolioValue(TWSPortfolioValue)
    case accountUpdateTime(TWSAccountUpdateTime)
    case nextValidId(TWSNextValidId)
    indirect case contractData(TWSContractData)
    indirect case execDetails(TWSExecDetails)
    case managedAccounts(TWSManagedAccounts)
    indirect case historicalData(TWSHistoricalData)
    case tickOptionComputation(TWSTickOptionComputation)
    case tickGeneric(TWSTickGeneric)
    case tickString(TWSTickString)
    case currentTime(TWSCurrentTime)
    case contractDataEnd(TWSRequestEnd)
    case openOrderEnd
    case accountDownloadEnd(TWSAccountDownloadEnd)
    case execDetailsEnd(TWSRequestEnd)
    case tickSnapshotEnd(TWSRequestEnd)
    case marketDataType(TWSMarketDataTypeMessage)
    case commissionAndFeesReport(TWSCommissionReportMessage)
    indirect case position(TWSPosition)
    case positionEnd
    case accountSummary(TWSAccountSummary)
    case accountSummaryEnd(TWSRequestEnd)
    case accountUpdateMulti(TWSAccountUpdateMulti)
    case accountUpdateMultiEnd(TWSRequestEnd)
    indirect case securityDefinitionOptionParameter(TWSSecurityDefinitionOptionParameter)
    case securityDefinitionOptionParameterEnd(TWSSecurityDefinitionOptionParameterEnd)
    case tickReqParams(TWSTickReqParams)
    case historicalDataUpdate(TWSHistoricalDataUpdate)
    indirect case completedOrder(TWSCompletedOrder)
    case completedOrdersEnd
    case historicalDataEnd(TWSHistoricalDataEnd)
    /// A message id this implementation does not decode, with its raw fields.
    case unhandled(id: Int, fields: [String])

    /// Message ids (IB's `IN` constants).
    public enum ID {
        public static let tickPrice = 1
        public static let tickSize = 2
        public static let orderStatus = 3
        public static let error = 4
        public static let openOrder = 5
        public static let accountValue = 6
        public static let portfolioValue = 7
        public static let accountUpdateTime = 8
        public static let nextValidId = 9
        public static let contractData = 10
        public static let execDetails = 11
        public static let managedAccounts = 15
        public static let historicalData = 17
        public static let tickOptionComputation = 21
        public static let tickGeneric = 45
        public static let tickString = 46
        public static let currentTime = 49
        public static let contractDataEnd = 52
        public static let openOrderEnd = 53
        public static let accountDownloadEnd = 54
        public static let execDetailsEnd = 55
        public static let tickSnapshotEnd = 57
        public static let marketDataType = 58
        public static let commissionAndFeesReport = 59
        public static let position = 61
        public static let positionEnd = 62
        public static let accountSummary = 63
        public static let accountSummaryEnd = 64
        public static let accountUpdateMulti = 73
        public static let accountUpdateMultiEnd = 74
        public static let securityDefinitionOptionParameter = 75
        public static let securityDefinitionOptionParameterEnd = 76
        public static let tickReqParams = 81
        public static let historicalDataUpdate = 90
        public static let completedOrder = 101
        public static let completedOrdersEnd = 102
        public static let historicalDataEnd = 108
    }

    // MARK: Decoding

    /// Decodes one frame payload (message id first) at the negotiated `serverVersion`.
    public static func decode(payload: ByteBuffer, serverVersion: Int) throws -> TWSServerMessage {
        try payload.withUnsafeReadableBytes { bytes in
            var reader = TWSFieldReader(bytes: bytes, serverVersion: serverVersion)
            return try decode(from: &reader)
        }
    }

    /// Decodes one frame payload given as raw bytes (see `TWSFrameDecoder.forEachPayload`).
    public static func decode(bytes: UnsafeRawBufferPointer, serverVersion: Int) throws -> TWSServerMessage {
        var reader = TWSFieldReader(bytes: bytes, serverVersion: serverVersion)
        return try decode(from: &reader)
    }

    /// Decodes one message from a reader positioned at the message id.
    public static func decode(from r: inout TWSFieldReader) throws -> TWSServerMessage {
        guard let id = try r.readInt() else {
            throw TWSWireError(.malformedField, "empty message id")
        }
        switch id {
        case ID.tickPrice: return .tickPrice(try .decode(from: &r))
        case ID.tickSize: return .tickSize(try .decode(from: &r))
        case ID.orderStatus: return .orderStatus(try .decode(from: &r))
        case ID.error: return .error(try .decode(from: &r))
        case ID.openOrder: return .openOrder(try .decode(from: &r))
        case ID.accountValue: return .accountValue(try .decode(from: &r))
        case ID.portfolioValue: return .portfolioValue(try .decode(from: &r))
        case ID.accountUpdateTime: return .accountUpdateTime(try .decode(from: &r))
        case ID.nextValidId: return .nextValidId(try .decode(from: &r))
        case ID.contractData: return .contractData(try .decode(from: &r))
        case ID.execDetails: return .execDetails(try .decode(from: &r))
        case ID.managedAccounts: return .managedAccounts(try .decode(from: &r))
        case ID.historicalData: return .historicalData(try .decode(from: &r))
        case ID.tickOptionComputation: return .tickOptionComputation(try .decode(from: &r))
        case ID.tickGeneric: return .tickGeneric(try .decode(from: &r))
        case ID.tickString: return .tickString(try .decode(from: &r))
        case ID.currentTime: return .currentTime(try .decode(from: &r))
        case ID.contractDataEnd: return .contractDataEnd(try .decode(from: &r))
        case ID.openOrderEnd: _ = try TWSVersionOnly.decode(from: &r); return .openOrderEnd
        case ID.accountDownloadEnd: return .accountDownloadEnd(try .decode(from: &r))
        case ID.execDetailsEnd: return .execDetailsEnd(try .decode(from: &r))
        case ID.tickSnapshotEnd: return .tickSnapshotEnd(try .decode(from: &r))
        case ID.marketDataType: return .marketDataType(try .decode(from: &r))
        case ID.commissionAndFeesReport: return .commissionAndFeesReport(try .decode(from: &r))
        case ID.position: return .position(try .decode(from: &r))
        case ID.positionEnd: _ = try TWSVersionOnly.decode(from: &r); return .positionEnd
        case ID.accountSummary: return .accountSummary(try .decode(from: &r))
        case ID.accountSummaryEnd: return .accountSummaryEnd(try .decode(from: &r))
        case ID.accountUpdateMulti: return .accountUpdateMulti(try .decode(from: &r))
        case ID.accountUpdateMultiEnd: return .accountUpdateMultiEnd(try .decode(from: &r))
        case ID.securityDefinitionOptionParameter: return .securityDefinitionOptionParameter(try .decode(from: &r))
        case ID.securityDefinitionOptionParameterEnd:
            return .securityDefinitionOptionParameterEnd(try .decode(from: &r))
        case ID.tickReqParams: return .tickReqParams(try .decode(from: &r))
        case ID.historicalDataUpdate: return .historicalDataUpdate(try .decode(from: &r))
        case ID.completedOrder: return .completedOrder(try .decode(from: &r))
        case ID.completedOrdersEnd: return .completedOrdersEnd
        case ID.historicalDataEnd: return .historicalDataEnd(try .decode(from: &r))
        default:
            var fields: [String] = []
            while !r.isAtEnd { fields.append(try r.readString()) }
            return .unhandled(id: id, fields: fields)
        }
    }

    // MARK: Encoding (simulator side)

    /// The message id of this message.
    public var id: Int {
        switch self {
        case .tickPrice: ID.tickPrice
        case .tickSize: ID.tickSize
        case .orderStatus: ID.orderStatus
        case .error: ID.error
        case .openOrder: ID.openOrder
        case .accountValue: ID.accountValue
        case .portfolioValue: ID.portfolioValue
        case .accountUpdateTime: ID.accountUpdateTime
        case .nextValidId: ID.nextValidId
        case .contractData: ID.contractData
        case .execDetails: ID.execDetails
        case .managedAccounts: ID.managedAccounts
        case .historicalData: ID.historicalData
        case .tickOptionComputation: ID.tickOptionComputation
        case .tickGeneric: ID.tickGeneric
        case .tickString: ID.tickString
        case .currentTime: ID.currentTime
        case .contractDataEnd: ID.contractDataEnd
        case .openOrderEnd: ID.openOrderEnd
        case .accountDownloadEnd: ID.accountDownloadEnd
        case .execDetailsEnd: ID.execDetailsEnd
        case .tickSnapshotEnd: ID.tickSnapshotEnd
        case .marketDataType: ID.marketDataType
        case .commissionAndFeesReport: ID.commissionAndFeesReport
        case .position: ID.position
        case .positionEnd: ID.positionEnd
        case .accountSummary: ID.accountSummary
        case .accountSummaryEnd: ID.accountSummaryEnd
        case .accountUpdateMulti: ID.accountUpdateMulti
        case .accountUpdateMultiEnd: ID.accountUpdateMultiEnd
        case .securityDefinitionOptionParameter: ID.securityDefinitionOptionParameter
        case .securityDefinitionOptionParameterEnd: ID.securityDefinitionOptionParameterEnd
        case .tickReqParams: ID.tickReqParams
        case .historicalDataUpdate: ID.historicalDataUpdate
        case .completedOrder: ID.completedOrder
        case .completedOrdersEnd: ID.completedOrdersEnd
        case .historicalDataEnd: ID.historicalDataEnd
        case .unhandled(let id, _): id
        }
    }

    /// Runs `body` with the payload's layout (nil for messages without fields).
    func withLayout<R>(_ body: (any TWSMessageLayout) throws -> R) rethrows -> R? {
        switch self {
        case .tickPrice(let m): try body(m)
        case .tickSize(let m): try body(m)
        case .orderStatus(let m): try body(m)
        case .error(let m): try body(m)
        case .openOrder(let m): try body(m)
        case .accountValue(let m): try body(m)
        case .portfolioValue(let m): try body(m)
        case .accountUpdateTime(let m): try body(m)
        case .nextValidId(let m): try body(m)
        case .contractData(let m): try body(m)
        case .execDetails(let m): try body(m)
        case .managedAccounts(let m): try body(m)
        case .historicalData(let m): try body(m)
        case .tickOptionComputation(let m): try body(m)
        case .tickGeneric(let m): try body(m)
        case .tickString(let m): try body(m)
        case .currentTime(let m): try body(m)
        case .contractDataEnd(let m): try body(m)
        case .openOrderEnd: try body(TWSVersionOnly())
        case .accountDownloadEnd(let m): try body(m)
        case .execDetailsEnd(let m): try body(m)
        case .tickSnapshotEnd(let m): try body(m)
        case .marketDataType(let m): try body(m)
        case .commissionAndFeesReport(let m): try body(m)
        case .position(let m): try body(m)
        case .positionEnd: try body(TWSVersionOnly())
        case .accountSummary(let m): try body(m)
        case .accountSummaryEnd(let m): try body(m)
        case .accountUpdateMulti(let m): try body(m)
        case .accountUpdateMultiEnd(let m): try body(m)
        case .securityDefinitionOptionParameter(let m): try body(m)
        case .securityDefinitionOptionParameterEnd(let m): try body(m)
        case .tickReqParams(let m): try body(m)
        case .historicalDataUpdate(let m): try body(m)
        case .completedOrder(let m): try body(m)
        case .completedOrdersEnd: nil
        case .historicalDataEnd(let m): try body(m)
        case .unhandled: nil
        }
    }

    /// Appends this message as one frame (Java-style numbers, as the gateway writes them).
    public func encode(serverVersion: Int, into buffer: inout ByteBuffer) throws {
        var writer = TWSFieldWriter(buffer: buffer, serverVersion: serverVersion, dialect: .server)
        writer.write(id)
        if case .unhandled(_, let fields) = self {
            for f in fields { try writer.write(f) }
        } else {
            try withLayout { layout in try Self.encodeLayout(layout, into: &writer) }
        }
        buffer = writer.finish()
    }

    /// One frame holding this message.
    public func encoded(serverVersion: Int) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(serverVersion: serverVersion, into: &buffer)
        return buffer
    }

    private static func encodeLayout<L: TWSMessageLayout>(_ layout: L, into writer: inout TWSFieldWriter) throws {
        var copy = layout
        try copy.code(&writer)
    }
}
