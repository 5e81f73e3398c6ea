import Foundation
import NIOCore
import NIOPosix
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

func isTick(_ m: TWSServerMessage) -> Bool {
    switch m {
    case .tickPrice, .tickSize, .tickOptionComputation: true
    default: false
    }
}

/// Every fault kind, injected into a running simulator and observed by a client on a real socket.
@Suite(.serialized) struct FaultInjectionTests {
    func connected(_ client: WireTestClient) async {
        await client.wait { $0.contains { if case .nextValidId = $0 { true } else { false } } }
    }

    @Test func dropConnectionClosesIt() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.dropConnection)
                await client.wait { _ in false }
                #expect(client.isClosed)
            }
        }
    }

    @Test func restartRefusesConnectionsThenAccepts() async throws {
        try await SimulatorHarness.with { sim in
            let port = sim.port
            try await WireTestClient.withConnection(port: port) { client in
                await connected(client)
                sim.inject(.restart(downSeconds: 1.5))
                await client.wait { _ in false }
                #expect(client.isClosed)
            }
            // While down, connecting fails; afterwards the same port accepts again.
            await #expect(throws: (any Error).self) {
                try await WireTestClient.withConnection(port: port) { _ in }
            }
            var connectedAgain = false
            for _ in 0..<100 where !connectedAgain {
                try await Task.sleep(for: .milliseconds(100))
                connectedAgain =
                    (try? await WireTestClient.withConnection(port: port) { client in
                        await connected(client)
                        return client.messages.count > 0
                    }) ?? false
            }
            #expect(connectedAgain)
        }
    }

    @Test(arguments: [true, false])
    func connectivityLostThenRestored(dataLost: Bool) async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                try await client.send(.reqMktData(TWSReqMktData(reqId: 1, contract: spy, snapshot: false)))
                await client.wait { $0.contains(where: isTick) }
                sim.inject(.connectivityLost(dataLost: dataLost, seconds: 0.3))
                let got = await client.wait { errors($0).contains(dataLost ? 1101 : 1102) }
                let codes = errors(got)
                #expect(codes.contains(1100))
                #expect(codes.contains(dataLost ? 1101 : 1102))
                #expect((codes.firstIndex(of: 1100) ?? 99) < (codes.firstIndex(of: dataLost ? 1101 : 1102) ?? 0))
                // 1101 drops subscriptions (the client must resubscribe); 1102 keeps them.
                // The gateway answers in order: once currentTime is back, any 300 for the cancel is too.
                try await client.send(.cancelMktData(reqId: 1), .reqCurrentTime)
                let after = await client.wait { msgs in
                    msgs.contains { if case .currentTime = $0 { true } else { false } }
                }
                #expect(errors(after, reqId: 1).contains(300) == dataLost)
            }
        }
    }

    @Test(arguments: [(2103, 2104), (2105, 2106)])
    func farmOutagesAndRecovery(codes: (Int, Int)) async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                let before = errors(client.messages).filter { $0 == codes.1 }.count
                sim.inject(.farmOutage(code: codes.0, seconds: 0.2))
                let got = await client.wait { errors($0).filter { $0 == codes.1 }.count > before }
                #expect(errors(got).contains(codes.0))
                #expect(errors(got).filter { $0 == codes.1 }.count == before + 1)
            }
        }
    }

    @Test func competingSessionIs10197() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                try await client.send(.reqMktData(TWSReqMktData(reqId: 3, contract: spy, snapshot: false)))
                await client.wait { $0.contains(where: isTick) }
                sim.inject(.competingSession(seconds: 30))
                try await client.send(.reqMktData(TWSReqMktData(reqId: 4, contract: option(600, "C"), snapshot: true)))
                let got = await client.wait { errors($0, reqId: 4).contains(10197) }
                #expect(errors(got, reqId: 3) == [10197])
                #expect(errors(got, reqId: 4) == [10197])
            }
        }
    }

    @Test func withheldGreeksAndSentinels() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.withholdGreeks(symbol: "SPY"))
                try await client.send(.reqMktData(TWSReqMktData(reqId: 5, contract: option(600, "C"), snapshot: true)))
                let withheld = await client.wait { $0.contains(.tickSnapshotEnd(.init(reqId: 5))) }
                #expect(!withheld.contains { if case .tickOptionComputation = $0 { true } else { false } })
                #expect(withheld.contains { if case .tickPrice(let t) = $0 { t.reqId == 5 } else { false } })
                sim.inject(.clear)
                sim.inject(.sendSentinels(symbol: nil))
                try await client.send(.reqMktData(TWSReqMktData(reqId: 6, contract: option(600, "C"), snapshot: true)))
                let got = await client.wait { $0.contains(.tickSnapshotEnd(.init(reqId: 6))) }
                let computations = got.compactMap {
                    if case .tickOptionComputation(let c) = $0, c.reqId == 6 { return c } else { return nil }
                }
                #expect(!computations.isEmpty)
                #expect(
                    computations.allSatisfy {
                        $0.delta == nil && $0.impliedVol == nil && $0.gamma == nil && $0.undPrice == nil
                    })
            }
        }
    }

    @Test func delayedRepliesStillArrive() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.delayReplies(milliseconds: 300))
                try await client.send(.reqCurrentTime)
                let got = await client.wait { $0.contains { if case .currentTime = $0 { true } else { false } } }
                #expect(
                    got.contains {
                        if case .currentTime(let t) = $0 {
                            t.time == Int(sim.now.timeIntervalSince1970)
                                || abs(t.time - Int(sim.now.timeIntervalSince1970)) < 5
                        } else {
                            false
                        }
                    })
            }
        }
    }

    @Test func garbageFrameDecodesAsUnhandled() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.garbageFrame)
                let got = await client.wait { $0.contains { if case .unhandled = $0 { true } else { false } } }
                #expect(got.contains { if case .unhandled(9999, _) = $0 { true } else { false } })
            }
        }
    }

    @Test func truncatedFrameEndsTheStreamMidFrame() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.truncatedFrame)
                await client.wait { _ in false }
                #expect(client.isClosed)
                #expect(client.streamError?.contains("inside a frame") == true)
            }
        }
    }

    @Test func silenceAfterHandshakeAnswersNothing() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.silenceAfterHandshake)
                let before = client.messages.count
                try await client.send(.reqCurrentTime, .reqIds(TWSReqIds()))
                let got = await client.wait(timeout: .milliseconds(500)) { $0.count > before }
                #expect(got.count == before)
                #expect(!client.isClosed)
            }
        }
    }

    @Test func stuckOrdersStayPreSubmittedOnTheWire() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                sim.inject(.stickOrdersInPreSubmitted)
                var order = TWSOrder()
                order.action = "BUY"
                order.totalQuantity = 1
                order.orderType = "MKT"
                try await client.send(.placeOrder(TWSPlaceOrder(orderId: 1, contract: option(600, "C"), order: order)))
                let got = await client.wait(timeout: .milliseconds(800)) { msgs in
                    msgs.contains { if case .orderStatus(let s) = $0 { s.status != "PreSubmitted" } else { false } }
                }
                let statuses = got.compactMap {
                    if case .orderStatus(let s) = $0 { return s.status } else { return nil }
                }
                #expect(statuses == ["PreSubmitted"])
            }
        }
    }

    @Test func scriptedFaultsRunPerConnection() async throws {
        let json =
            #"{"steps": [{"afterSeconds": 0.2, "action": {"farmOutage": {"code": 2103, "seconds": 0.1}}}, {"afterSeconds": 0.6, "action": {"dropConnection": {}}}]}"#
        let script = try FaultScript.decode(json: Data(json.utf8))
        #expect(script.steps.count == 2)
        try await SimulatorHarness.with({ $0.faults = script }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await client.wait { _ in false }
                #expect(client.isClosed)
                #expect(errors(client.messages).contains(2103))
            }
        }
    }

    @Test func dropAfterNMessages() async throws {
        let script = FaultScript(steps: [.init(afterMessages: 4, action: .dropConnection)])
        try await SimulatorHarness.with({ $0.faults = script }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                await connected(client)
                // Counted after START_API: the 4th request is answered, then the connection drops.
                try await client.send(
                    .reqCurrentTime, .reqCurrentTime, .reqCurrentTime, .reqCurrentTime, .reqCurrentTime)
                await client.wait { _ in false }
                #expect(client.isClosed)
                let answered = client.messages.filter { if case .currentTime = $0 { true } else { false } }.count
                #expect(answered == 4)
            }
        }
    }

    @Test func everyFaultKindParsesFromJSON() throws {
        let actions: [FaultAction] = [
            .dropConnection, .restart(downSeconds: 120), .connectivityLost(dataLost: true, seconds: 5),
            .farmOutage(code: 2105, seconds: 60),
            .competingSession(seconds: 30), .delayReplies(milliseconds: 250), .withholdGreeks(symbol: "QQQ"),
            .sendSentinels(symbol: nil),
            .garbageFrame, .truncatedFrame, .silenceAfterHandshake, .stickOrdersInPreSubmitted, .clear,
        ]
        let script = FaultScript(
            steps: actions.enumerated().map { .init(afterSeconds: Double($0.offset), action: $0.element) })
        let data = try JSONEncoder().encode(script)
        #expect(try FaultScript.decode(json: data) == script)
    }
}
