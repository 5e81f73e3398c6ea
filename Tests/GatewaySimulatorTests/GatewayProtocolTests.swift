import Foundation
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

func option(_ strike: Double, _ right: String, expiry: String = "20260417") -> TWSContract {
    TWSContract(
        symbol: "SPY", secType: "OPT", lastTradeDateOrContractMonth: expiry, strike: strike, right: right,
        multiplier: "100")
}

let spy = TWSContract(symbol: "SPY", secType: "STK", exchange: "SMART", currency: "USD")

func errors(_ messages: [TWSServerMessage], reqId: Int? = nil) -> [Int] {
    messages.compactMap {
        if case .error(let e) = $0, reqId == nil || e.reqId == reqId { return e.errorCode }
        return nil
    }
}

/// The simulator over a real loopback socket: handshake, IB's limits and error codes.
@Suite(.serialized) struct GatewayProtocolTests {
    @Test(arguments: [157, 178, 200])
    func handshakeAtEachVersion(maxVersion: Int) async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port, maxVersion: maxVersion) { client in
                #expect(client.serverVersion == maxVersion)
                let messages = await client.wait { $0.contains { if case .nextValidId = $0 { true } else { false } } }
                #expect(messages.contains(.managedAccounts(TWSManagedAccounts(accounts: ["DU1234567"]))))
                #expect(errors(messages).contains(2104))
            }
        }
    }

    @Test func serverMaximumCapsTheNegotiation() async throws {
        try await SimulatorHarness.with({ $0.maxVersion = 176 }) { sim in
            try await WireTestClient.withConnection(port: sim.port, maxVersion: 200) { client in
                #expect(client.serverVersion == 176)
            }
        }
    }

    @Test func duplicateClientIdIs326() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port, clientId: 9) { first in
                await first.wait { $0.count >= 2 }
                try await WireTestClient.withConnection(port: sim.port, clientId: 9) { second in
                    let got = await second.wait { errors($0).contains(326) }
                    #expect(errors(got) == [326])
                }
            }
            #expect(sim.errorCodesSent.contains(326))
        }
    }

    @Test func messageRateOver50IsError100() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(contentsOf: Array(repeating: .reqCurrentTime, count: 70))
                let got = await client.wait { errors($0).contains(100) }
                #expect(errors(got).contains(100))
            }
        }
    }

    @Test func fiftyMessagesInASecondAreFine() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                // START_API counted as one: 49 more make 50, all at once.
                try await client.send(contentsOf: Array(repeating: .reqCurrentTime, count: 49))
                let got = await client.wait {
                    $0.filter { if case .currentTime = $0 { true } else { false } }.count == 49
                }
                #expect(!errors(got).contains(100))
            }
        }
    }

    @Test func moreLinesThanTheLimitIs101() async throws {
        try await SimulatorHarness.with({ $0.maxMarketDataLines = 3 }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                for (i, k) in [590.0, 595, 600, 605].enumerated() {
                    try await client.send(
                        .reqMktData(TWSReqMktData(reqId: 10 + i, contract: option(k, "C"), snapshot: false)))
                }
                let got = await client.wait { errors($0).contains(101) }
                #expect(errors(got, reqId: 13) == [101])
                #expect(errors(got, reqId: 10).isEmpty)
                // Cancelling frees a line.
                try await client.send(
                    .cancelMktData(reqId: 10),
                    .reqMktData(TWSReqMktData(reqId: 14, contract: option(610, "C"), snapshot: false)))
                let later = await client.wait {
                    $0.contains { if case .tickPrice(let t) = $0 { t.reqId == 14 } else { false } }
                }
                #expect(errors(later, reqId: 14).isEmpty)
            }
        }
    }

    @Test func identicalHistoricalRequestWithin15SecondsIs162() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var request = TWSReqHistoricalData()
                request.reqId = 1
                request.contract = spy
                request.durationStr = "30 D"
                try await client.send(.reqHistoricalData(request))
                request.reqId = 2
                try await client.send(.reqHistoricalData(request))
                let got = await client.wait { errors($0, reqId: 2).contains(162) }
                #expect(errors(got, reqId: 2) == [162])
                let bars = got.compactMap {
                    if case .historicalData(let h) = $0, h.reqId == 1 { return h.bars.count } else { return nil }
                }
                #expect(bars == [30])
            }
        }
    }

    @Test func unknownContractIs200() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    .reqContractDetails(
                        TWSReqContractDetails(reqId: 5, contract: TWSContract(symbol: "NOPE", secType: "STK"))))
                try await client.send(
                    .reqMktData(TWSReqMktData(reqId: 6, contract: option(591.5, "C"), snapshot: true)))
                let got = await client.wait { errors($0, reqId: 6).count == 1 }
                #expect(errors(got, reqId: 5) == [200])
                #expect(errors(got, reqId: 6) == [200])
            }
        }
    }

    @Test func cancelOfAnUnknownTickerIs300() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(.cancelMktData(reqId: 4242))
                let got = await client.wait { errors($0).contains(300) }
                #expect(errors(got, reqId: 4242) == [300])
            }
        }
    }

    @Test func genericTicksOnASnapshotIs321() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    .reqMktData(
                        TWSReqMktData(reqId: 7, contract: option(600, "P"), genericTickList: "101", snapshot: true)))
                let got = await client.wait { errors($0, reqId: 7).count == 1 }
                #expect(errors(got, reqId: 7) == [321])
            }
        }
    }

    @Test func delayedModeServesDelayedTicksWith10167() async throws {
        try await SimulatorHarness.with({ $0.marketData = .delayed }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(.reqMktData(TWSReqMktData(reqId: 8, contract: option(600, "C"), snapshot: true)))
                let got = await client.wait { $0.contains(.tickSnapshotEnd(.init(reqId: 8))) }
                #expect(errors(got, reqId: 8) == [10167])
                #expect(got.contains { if case .marketDataType(let m) = $0 { m.marketDataType == 3 } else { false } })
                let tickTypes = Set(
                    got.compactMap { if case .tickPrice(let t) = $0 { return t.tickType } else { return nil } })
                #expect(tickTypes.isSubset(of: [66, 67, 68, 72, 73, 75, 76]) && tickTypes.contains(66))
                let computations = got.compactMap {
                    if case .tickOptionComputation(let c) = $0 { return c.tickType } else { return nil }
                }
                #expect(Set(computations) == [80, 81, 83])
            }
        }
    }

    @Test func noMarketDataIs354Or10168() async throws {
        try await SimulatorHarness.with({ $0.marketData = .none }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(.reqMktData(TWSReqMktData(reqId: 1, contract: option(600, "C"), snapshot: true)))
                try await client.send(.reqMarketDataType(TWSReqMarketDataType(marketDataType: 3)))
                try await client.send(.reqMktData(TWSReqMktData(reqId: 2, contract: option(600, "C"), snapshot: true)))
                let got = await client.wait { errors($0, reqId: 2).count == 1 }
                #expect(errors(got, reqId: 1) == [354])
                #expect(errors(got, reqId: 2) == [10168])
                #expect(!got.contains { if case .tickPrice = $0 { true } else { false } })
            }
        }
    }

    @Test func optionChainAndHistory() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    .reqSecDefOptParams(
                        TWSReqSecDefOptParams(
                            reqId: 1, underlyingSymbol: "SPY", underlyingSecType: "STK", underlyingConId: 756_733)))
                var bars = TWSReqHistoricalData()
                bars.reqId = 2
                bars.contract = TWSContract(symbol: "VIX", secType: "IND", exchange: "CBOE", currency: "USD")
                bars.durationStr = "1 Y"
                try await client.send(.reqHistoricalData(bars))
                let got = await client.wait { $0.contains { if case .historicalData = $0 { true } else { false } } }
                let rows = got.compactMap {
                    if case .securityDefinitionOptionParameter(let p) = $0 { return p } else { return nil }
                }
                #expect(rows.map(\.exchange) == ["SMART", "CBOE"])
                #expect(rows.first?.expirations.count ?? 0 > 20)
                let barLists: [[TWSBar]] = got.compactMap {
                    if case .historicalData(let h) = $0 { return h.bars } else { return nil }
                }
                let vix = barLists.first ?? []
                #expect(vix.count == 252)
                #expect(vix.allSatisfy { $0.close > 8 && $0.volume?.doubleValue == -1 })
            }
        }
    }
}
