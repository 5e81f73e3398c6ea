import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

func unhandled(_ messages: [TWSServerMessage], id: Int) -> [[String]] {
    messages.compactMap { if case .unhandled(id, let fields) = $0 { return fields } else { return nil } }
}

/// Frames for requests TWSWire does not model, as ibapi writes them.
func rawFrame(_ fields: [String]) -> [UInt8] {
    let payload = Array(fields.map { $0 + "\0" }.joined().utf8)
    let n = UInt32(payload.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
}

/// P&L, head timestamp, option calculations, symbol search, 5-second bars, exercise, and the answer to
/// requests the simulator does not serve.
@Suite(.serialized) struct OptionToolTests {
    func resolvedOption(_ sim: GatewaySimulator, _ strike: Double, _ right: String) -> TWSContract {
        var c = option(strike, right)
        c.exchange = "SMART"
        c.currency = "USD"
        return c
    }

    func buyOne(_ contract: TWSContract, orderId: Int) -> TWSRequest {
        var place = TWSPlaceOrder()
        place.orderId = orderId
        place.contract = contract
        place.order.action = "BUY"
        place.order.totalQuantity = TWSDecimal(mantissa: 1)
        place.order.orderType = "MKT"
        return .placeOrder(place)
    }

    @Test func pnlOfTheAccountAndOfOnePosition() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var account = TWSReqPnL()
                account.reqId = 70
                account.account = "DU1234567"
                try await client.send(.reqPnL(account))
                let first = await client.wait { !unhandled($0, id: SimMessages.ID.pnl).isEmpty }
                #expect(unhandled(first, id: SimMessages.ID.pnl).first == ["70", "0.0", "0.0", "0.0"])
                let call = option(600, "C")
                try await client.send(buyOne(call, orderId: 1))
                let filled = await client.wait {
                    errors($0).isEmpty && $0.contains { if case .execDetails = $0 { true } else { false } }
                }
                let conId = try #require(
                    filled.compactMap {
                        if case .execDetails(let e) = $0 { return e.contract.conId } else { return nil }
                    }.first)
                var single = TWSReqPnLSingle()
                single.reqId = 71
                single.account = "DU1234567"
                single.conId = conId
                try await client.send(.reqPnLSingle(single))
                let got = await client.wait { !unhandled($0, id: SimMessages.ID.pnlSingle).isEmpty }
                let row = try #require(unhandled(got, id: SimMessages.ID.pnlSingle).first)
                #expect(row[0] == "71" && row[1] == "1")
                // Bought at the ask, marked at mid: a small unrealized loss, and a value of about 100 x mid.
                #expect(Double(row[3]).map { $0 < 0 && $0 > -200 } == true)
                #expect(Double(row[5]).map { $0 > 100 } == true)
                // The account's P&L keeps streaming.
                let later = await client.wait { unhandled($0, id: SimMessages.ID.pnl).count >= 2 }
                #expect(unhandled(later, id: SimMessages.ID.pnl).count >= 2)
            }
        }
    }

    @Test func headTimestampIsTheStartOfTheSimulatedPast() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var request = TWSReqHeadTimeStamp()
                request.reqId = 80
                request.contract = spy
                try await client.send(.reqHeadTimeStamp(request))
                request.reqId = 81
                request.formatDate = 2
                try await client.send(.reqHeadTimeStamp(request))
                let got = await client.wait { unhandled($0, id: SimMessages.ID.headTimestamp).count == 2 }
                let rows = unhandled(got, id: SimMessages.ID.headTimestamp)
                #expect(rows.first?[1].hasSuffix("-14:30:00") == true)  // 09:30 New York, in UTC
                let epoch = try #require(rows.last.flatMap { Double($0[1]) })
                let years = SimulatorHarness.wednesdayMorning.timeIntervalSince1970 - epoch
                #expect(years > 3 * 365 * 86_400 && years < 3.3 * 365 * 86_400)  // about 795 trading days
            }
        }
    }

    @Test func impliedVolatilityAndOptionPriceAreInverse() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var iv = TWSCalculateOption()
                iv.reqId = 90
                iv.contract = option(600, "C")
                iv.value = 12.5
                iv.underPrice = 600
                try await client.send(.calculateImpliedVolatility(iv))
                let got = await client.wait {
                    $0.contains { if case .tickOptionComputation = $0 { true } else { false } }
                }
                let computed = try #require(
                    got.compactMap { if case .tickOptionComputation(let c) = $0 { return c } else { return nil } }.first
                )
                #expect(computed.reqId == 90 && computed.tickType == TWSTickType.customOptionComputation.rawValue)
                let sigma = try #require(computed.impliedVol)
                #expect(abs((computed.optPrice ?? 0) - 12.5) < 1e-6)
                var price = TWSCalculateOption()
                price.reqId = 91
                price.contract = option(600, "C")
                price.value = sigma
                price.underPrice = 600
                try await client.send(.calculateOptionPrice(price))
                let back = await client.wait {
                    $0.contains { if case .tickOptionComputation(let c) = $0 { c.reqId == 91 } else { false } }
                }
                let priced = back.compactMap {
                    if case .tickOptionComputation(let c) = $0, c.reqId == 91 { return c.optPrice } else { return nil }
                }
                // The simulator's clock runs between the two requests (time to expiry shrinks by the
                // seconds a loaded machine takes): a tenth of a cent, not float noise.
                #expect(priced.count == 1 && abs((priced.first ?? 0) - 12.5) < 1e-3)
                #expect(computed.delta.map { $0 > 0.4 && $0 < 0.7 } == true)
            }
        }
    }

    @Test func matchingSymbolsFindsTheUnderlyings() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port, maxVersion: 178) { client in
                var request = TWSReqMatchingSymbols()
                request.reqId = 60
                request.pattern = "sp"
                try await client.send(.reqMatchingSymbols(request))
                let got = await client.wait { !unhandled($0, id: SimMessages.ID.symbolSamples).isEmpty }
                let fields = try #require(unhandled(got, id: SimMessages.ID.symbolSamples).first)
                #expect(Array(fields.prefix(9)) == ["60", "1", "756733", "SPY", "STK", "ARCA", "USD", "1", "OPT"])
                #expect(fields[9] == "SPDR S&P 500 ETF TRUST")
            }
        }
    }

    @Test func fiveSecondBarsStream() async throws {
        try await SimulatorHarness.with({ $0.clockSpeed = 50 }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var request = TWSReqRealTimeBars()
                request.reqId = 55
                request.contract = spy
                try await client.send(.reqRealTimeBars(request))
                let got = await client.wait { unhandled($0, id: SimMessages.ID.realTimeBars).count >= 3 }
                let bars = unhandled(got, id: SimMessages.ID.realTimeBars)
                #expect(bars.count >= 3)
                let times = bars.compactMap { Int($0[2]) }
                #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 5 } && times.allSatisfy { $0 % 5 == 0 })
                for bar in bars {
                    let (open, high, low, close) = (
                        Double(bar[3]) ?? 0, Double(bar[4]) ?? 0, Double(bar[5]) ?? 0, Double(bar[6]) ?? 0
                    )
                    #expect(low <= min(open, close) && high >= max(open, close) && low > 400)
                }
                try await client.send(.cancelRealTimeBars(reqId: 55), .reqCurrentTime)
                await client.wait { $0.contains { if case .currentTime = $0 { true } else { false } } }
            }
        }
    }

    @Test func exercisingACallDeliversShares() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(.reqPositions, buyOne(option(590, "C"), orderId: 1))
                let bought = await client.wait { $0.contains { if case .execDetails = $0 { true } else { false } } }
                let conId = try #require(
                    bought.compactMap {
                        if case .execDetails(let e) = $0 { return e.contract.conId } else { return nil }
                    }.first)
                var exercise = TWSExerciseOptions()
                exercise.reqId = 3
                exercise.contract = TWSContract(conId: conId, symbol: "SPY", secType: "OPT", exchange: "SMART")
                exercise.exerciseQuantity = 1
                exercise.account = "DU1234567"
                try await client.send(.exerciseOptions(exercise))
                let got = await client.wait {
                    $0.contains { if case .position(let p) = $0 { p.contract.conId == 756_733 } else { false } }
                }
                let positions = got.compactMap { if case .position(let p) = $0 { return p } else { return nil } }
                #expect(positions.last { $0.contract.conId == 756_733 }?.position?.doubleValue == 100)
                #expect(positions.last { $0.contract.conId == conId }?.position?.doubleValue == 0)
                try await client.send(.exerciseOptions(exercise))
                let again = await client.wait { errors($0, reqId: 3).count == 1 }
                #expect(errors(again, reqId: 3) == [TWSErrorCode.validationError.rawValue])
            }
        }
    }

    @Test func requestsNotSimulatedAreAnsweredNotDropped() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                // reqMktDepth (10, v5, reqId 41, contract ...), reqTickByTickData (97, reqId 42 ...),
                // reqUserInfo (104, reqId 43), reqFundamentalData (52, v2, reqId 44), an unknown id.
                try await client.sendRaw(
                    rawFrame([
                        "10", "5", "41", "0", "SPY", "STK", "", "", "", "", "SMART", "", "USD", "", "", "5", "0", "",
                    ])
                        + rawFrame([
                            "97", "42", "0", "SPY", "STK", "", "", "", "", "SMART", "", "USD", "", "", "Last", "0", "0",
                        ])
                        + rawFrame(["104", "43"]) + rawFrame(["52", "2", "44", "0", "SPY"]) + rawFrame(["199", "1"]))
                // Every answer, not a count (the farm notices at connect are errors too).
                let got = await client.wait { messages in
                    [41, 42, 44].allSatisfy { id in !errors(messages, reqId: id).isEmpty }
                        && errors(messages, reqId: -1).contains(TWSErrorCode.validationError.rawValue)
                        && !unhandled(messages, id: SimMessages.ID.userInfo).isEmpty
                }
                #expect(errors(got, reqId: 41) == [TWSErrorCode.depthNotSupported.rawValue])
                #expect(errors(got, reqId: 42) == [TWSErrorCode.tickByTickFailed.rawValue])
                #expect(errors(got, reqId: 44) == [TWSErrorCode.validationError.rawValue])
                #expect(errors(got, reqId: -1).contains(TWSErrorCode.validationError.rawValue))
                #expect(unhandled(got, id: SimMessages.ID.userInfo) == [["43", ""]])
            }
        }
    }
}
