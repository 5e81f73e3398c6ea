import NIOCore
import Testing

@testable import TWSWire

/// Random valid messages of every type survive encode -> frame -> decode at every version gate.
@Suite struct RoundTripPropertyTests {
    static let versions = [
        157, 163, 164, 170, 176, 177, 178, 182, 183, 186, 187, 189, 190, 192, 193, 194, 195, 196, 198, 199, 200,
    ]

    typealias ServerMaker = @Sendable (UInt64, Int) throws -> TWSServerMessage
    typealias RequestMaker = @Sendable (UInt64, Int) throws -> TWSRequest

    static func fill<L: TWSMessageLayout>(_ type: L.Type, _ seed: UInt64, _ version: Int) throws -> L {
        try RandomFillCoder.make(type, seed: seed, serverVersion: version)
    }

    static let serverMakers: [(String, ServerMaker)] = [
        ("tickPrice", { .tickPrice(try fill(TWSTickPrice.self, $0, $1)) }),
        ("tickSize", { .tickSize(try fill(TWSTickSize.self, $0, $1)) }),
        ("orderStatus", { .orderStatus(try fill(TWSOrderStatus.self, $0, $1)) }),
        ("error", { .error(try fill(TWSErrorMessage.self, $0, $1)) }),
        ("openOrder", { .openOrder(try fill(TWSOpenOrder.self, $0, $1)) }),
        ("accountValue", { .accountValue(try fill(TWSAccountValue.self, $0, $1)) }),
        ("portfolioValue", { .portfolioValue(try fill(TWSPortfolioValue.self, $0, $1)) }),
        ("accountUpdateTime", { .accountUpdateTime(try fill(TWSAccountUpdateTime.self, $0, $1)) }),
        ("nextValidId", { .nextValidId(try fill(TWSNextValidId.self, $0, $1)) }),
        ("contractData", { .contractData(try fill(TWSContractData.self, $0, $1)) }),
        ("execDetails", { .execDetails(try fill(TWSExecDetails.self, $0, $1)) }),
        ("managedAccounts", { .managedAccounts(try fill(TWSManagedAccounts.self, $0, $1)) }),
        ("historicalData", { .historicalData(try fill(TWSHistoricalData.self, $0, $1)) }),
        ("tickOptionComputation", { .tickOptionComputation(try fill(TWSTickOptionComputation.self, $0, $1)) }),
        ("tickGeneric", { .tickGeneric(try fill(TWSTickGeneric.self, $0, $1)) }),
        ("tickString", { .tickString(try fill(TWSTickString.self, $0, $1)) }),
        ("currentTime", { .currentTime(try fill(TWSCurrentTime.self, $0, $1)) }),
        ("contractDataEnd", { .contractDataEnd(try fill(TWSRequestEnd.self, $0, $1)) }),
        ("openOrderEnd", { _, _ in .openOrderEnd }),
        ("accountDownloadEnd", { .accountDownloadEnd(try fill(TWSAccountDownloadEnd.self, $0, $1)) }),
        ("execDetailsEnd", { .execDetailsEnd(try fill(TWSRequestEnd.self, $0, $1)) }),
        ("tickSnapshotEnd", { .tickSnapshotEnd(try fill(TWSRequestEnd.self, $0, $1)) }),
        ("marketDataType", { .marketDataType(try fill(TWSMarketDataTypeMessage.self, $0, $1)) }),
        ("commissionAndFeesReport", { .commissionAndFeesReport(try fill(TWSCommissionReportMessage.self, $0, $1)) }),
        ("position", { .position(try fill(TWSPosition.self, $0, $1)) }),
        ("positionEnd", { _, _ in .positionEnd }),
        ("accountSummary", { .accountSummary(try fill(TWSAccountSummary.self, $0, $1)) }),
        ("accountSummaryEnd", { .accountSummaryEnd(try fill(TWSRequestEnd.self, $0, $1)) }),
        ("accountUpdateMulti", { .accountUpdateMulti(try fill(TWSAccountUpdateMulti.self, $0, $1)) }),
        ("accountUpdateMultiEnd", { .accountUpdateMultiEnd(try fill(TWSRequestEnd.self, $0, $1)) }),
        (
            "secDefOptParams",
            { .securityDefinitionOptionParameter(try fill(TWSSecurityDefinitionOptionParameter.self, $0, $1)) }
        ),
        (
            "secDefOptParamsEnd",
            { .securityDefinitionOptionParameterEnd(try fill(TWSSecurityDefinitionOptionParameterEnd.self, $0, $1)) }
        ),
        ("tickReqParams", { .tickReqParams(try fill(TWSTickReqParams.self, $0, $1)) }),
        ("historicalDataUpdate", { .historicalDataUpdate(try fill(TWSHistoricalDataUpdate.self, $0, $1)) }),
        ("completedOrder", { .completedOrder(try fill(TWSCompletedOrder.self, $0, $1)) }),
        ("completedOrdersEnd", { _, _ in .completedOrdersEnd }),
        ("historicalDataEnd", { .historicalDataEnd(try fill(TWSHistoricalDataEnd.self, $0, $1)) }),
    ]

    static let requestMakers: [(String, RequestMaker)] = [
        ("startApi", { .startApi(try fill(TWSStartAPI.self, $0, $1)) }),
        ("reqIds", { .reqIds(try fill(TWSReqIds.self, $0, $1)) }),
        ("reqManagedAccts", { _, _ in .reqManagedAccts }),
        ("reqMarketDataType", { .reqMarketDataType(try fill(TWSReqMarketDataType.self, $0, $1)) }),
        ("reqContractDetails", { .reqContractDetails(try fill(TWSReqContractDetails.self, $0, $1)) }),
        ("reqSecDefOptParams", { .reqSecDefOptParams(try fill(TWSReqSecDefOptParams.self, $0, $1)) }),
        ("reqMktData", { .reqMktData(try fill(TWSReqMktData.self, $0, $1)) }),
        ("cancelMktData", { seed, _ in .cancelMktData(reqId: Int(seed % 10_000)) }),
        ("reqHistoricalData", { .reqHistoricalData(try fill(TWSReqHistoricalData.self, $0, $1)) }),
        ("cancelHistoricalData", { seed, _ in .cancelHistoricalData(reqId: Int(seed % 977)) }),
        ("reqAccountSummary", { .reqAccountSummary(try fill(TWSReqAccountSummary.self, $0, $1)) }),
        ("cancelAccountSummary", { seed, _ in .cancelAccountSummary(reqId: Int(seed % 31)) }),
        ("reqPositions", { _, _ in .reqPositions }),
        ("cancelPositions", { _, _ in .cancelPositions }),
        ("reqAccountUpdates", { .reqAccountUpdates(try fill(TWSReqAccountUpdates.self, $0, $1)) }),
        ("reqOpenOrders", { _, _ in .reqOpenOrders }),
        ("reqAllOpenOrders", { _, _ in .reqAllOpenOrders }),
        ("reqAutoOpenOrders", { .reqAutoOpenOrders(try fill(TWSReqAutoOpenOrders.self, $0, $1)) }),
        ("reqCompletedOrders", { .reqCompletedOrders(try fill(TWSReqCompletedOrders.self, $0, $1)) }),
        ("reqExecutions", { .reqExecutions(try fill(TWSReqExecutions.self, $0, $1)) }),
        ("reqCurrentTime", { _, _ in .reqCurrentTime }),
        ("placeOrder", { .placeOrder(try fill(TWSPlaceOrder.self, $0, $1)) }),
        ("cancelOrder", { .cancelOrder(try fill(TWSCancelOrder.self, $0, $1)) }),
        ("reqGlobalCancel", { .reqGlobalCancel(try fill(TWSReqGlobalCancel.self, $0, $1)) }),
        ("reqAccountUpdatesMulti", { .reqAccountUpdatesMulti(try fill(TWSReqAccountUpdatesMulti.self, $0, $1)) }),
        ("cancelAccountUpdatesMulti", { seed, _ in .cancelAccountUpdatesMulti(reqId: Int(seed % 100)) }),
        ("reqPnL", { .reqPnL(try fill(TWSReqPnL.self, $0, $1)) }),
        ("cancelPnL", { seed, _ in .cancelPnL(reqId: Int(seed % 101)) }),
        ("reqPnLSingle", { .reqPnLSingle(try fill(TWSReqPnLSingle.self, $0, $1)) }),
        ("cancelPnLSingle", { seed, _ in .cancelPnLSingle(reqId: Int(seed % 103)) }),
        ("reqHeadTimeStamp", { .reqHeadTimeStamp(try fill(TWSReqHeadTimeStamp.self, $0, $1)) }),
        ("cancelHeadTimeStamp", { seed, _ in .cancelHeadTimeStamp(reqId: Int(seed % 107)) }),
        ("calculateImpliedVolatility", { .calculateImpliedVolatility(try fill(TWSCalculateOption.self, $0, $1)) }),
        ("calculateOptionPrice", { .calculateOptionPrice(try fill(TWSCalculateOption.self, $0, $1)) }),
        ("cancelCalculateImpliedVolatility", { seed, _ in .cancelCalculateImpliedVolatility(reqId: Int(seed % 109)) }),
        ("cancelCalculateOptionPrice", { seed, _ in .cancelCalculateOptionPrice(reqId: Int(seed % 113)) }),
        ("reqMatchingSymbols", { .reqMatchingSymbols(try fill(TWSReqMatchingSymbols.self, $0, $1)) }),
        ("reqRealTimeBars", { .reqRealTimeBars(try fill(TWSReqRealTimeBars.self, $0, $1)) }),
        ("cancelRealTimeBars", { seed, _ in .cancelRealTimeBars(reqId: Int(seed % 127)) }),
        ("exerciseOptions", { .exerciseOptions(try fill(TWSExerciseOptions.self, $0, $1)) }),
    ]

    static func unframe(_ buffer: ByteBuffer) throws -> ByteBuffer {
        var copy = buffer
        var frames = TWSFrameDecoder()
        guard let payload = try frames.decode(buffer: &copy), copy.readableBytes == 0 else {
            throw TWSWireError(.truncated, "not exactly one frame")
        }
        return payload
    }

    @Test(arguments: serverMakers.map(\.0))
    func serverMessagesRoundTrip(_ name: String) throws {
        let make = try #require(Self.serverMakers.first { $0.0 == name }?.1)
        for version in Self.versions {
            for seed in 0..<UInt64(40) {
                let message = try make(seed &* 7919 &+ UInt64(version), version)
                let payload = try Self.unframe(try message.encoded(serverVersion: version))
                let decoded = try TWSServerMessage.decode(payload: payload, serverVersion: version)
                #expect(decoded == message, "\(name) v\(version) seed \(seed)")
                if decoded != message { return }
            }
        }
    }

    @Test(arguments: requestMakers.map(\.0))
    func requestsRoundTrip(_ name: String) throws {
        let make = try #require(Self.requestMakers.first { $0.0 == name }?.1)
        for version in Self.versions {
            for seed in 0..<UInt64(40) {
                let request = try make(seed &* 104_729 &+ UInt64(version), version)
                let payload = try Self.unframe(try request.encoded(serverVersion: version))
                let decoded = try TWSRequest.decode(payload: payload, serverVersion: version)
                #expect(decoded == request, "\(name) v\(version) seed \(seed)")
                if decoded != request { return }
            }
        }
    }

    @Test func everyMessageTypeIsCovered() {
        // One maker per enum case: a new message without a round-trip test fails here.
        #expect(Self.serverMakers.count == 37)
        #expect(Set(Self.serverMakers.map(\.0)).count == Self.serverMakers.count)
        #expect(Self.requestMakers.count == 40)
    }
}
