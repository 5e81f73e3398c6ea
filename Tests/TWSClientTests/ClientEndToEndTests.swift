import Foundation
import GatewaySimulator
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import TWSClient

@Suite(.serialized) struct ClientEndToEndTests {
    @Test func connectsAdvertising178() async throws {
        try await withClient { client, _ in
            let info = try #require(client.connectionInfo)
            #expect(info.serverVersion == 178)
            #expect(try await client.managedAccounts() == ["DU1234567"])
            #expect(info.allAccountsArePaper)
            let first = try await client.nextOrderId()
            #expect(try await client.nextOrderId() == first + 1)
        }
    }

    @Test func currentTimeIsTheGatewaysClock() async throws {
        try await withClient { client, sim in
            let time = try await client.currentTime()
            #expect(abs(time.timeIntervalSince(sim.now)) < 5)
            #expect(abs(time.timeIntervalSince(SimulatorHarness.wednesdayMorning)) < 60)
        }
    }

    @Test func contractDetailsAndChainParameters() async throws {
        try await withClient { client, _ in
            let details = try await client.contractDetails(spyStock())
            #expect(details.map(\.contract.conId) == [756_733])
            let rows = try await client.secDefOptParams(symbol: "SPY", conId: 756_733)
            #expect(rows.contains { $0.exchange == "SMART" && $0.tradingClass == "SPY" && $0.expirations.count > 10 })
            let options = try await client.contractDetails(
                TWSContract(
                    symbol: "SPY", secType: "OPT", lastTradeDateOrContractMonth: "20260417", strike: 600, right: "C"))
            #expect(options.count == 1 && options[0].contract.localSymbol == "SPY   260417C00600000")
        }
    }

    @Test func anErrorFailsOnlyItsRequest() async throws {
        try await withClient { client, _ in
            async let bad = client.contractDetails(TWSContract(symbol: "NOPE", secType: "STK"))
            async let good = client.contractDetails(spyStock())
            do {
                _ = try await bad
                Issue.record("unknown contract succeeded")
            } catch let error as TWSClientError {
                #expect(error.code == .requestFailed && error.ibCode == 200)
            }
            #expect(try await good.count == 1)
        }
    }

    @Test func optionSnapshotWithGreeks() async throws {
        try await withClient { client, _ in
            let snap = try await client.snapshot(spyOption(600, "C"), expected: [.bid, .ask, .greeks])
            #expect(!snap.timedOut && snap.missing.isEmpty)
            let greeks = try #require(snap.modelGreeks)
            #expect(try #require(greeks.delta) > 0 && greeks.delta! < 1)
            #expect(try #require(snap.bid) < snap.ask!)
        }
    }

    @Test func withheldGreeksAreReportedMissing() async throws {
        try await withClient { client, sim in
            sim.inject(.withholdGreeks(symbol: nil))
            let snap = try await client.snapshot(
                spyOption(600, "P"), greeksGrace: .milliseconds(200), expected: [.bid, .ask, .greeks])
            #expect(snap.missing == [.greeks])
            #expect(snap.modelGreeks == nil && snap.bid != nil)
        }
    }

    @Test func snapshotTimesOutWhenTheGatewayIsSilent() async throws {
        try await withClient { client, sim in
            sim.inject(.silenceAfterHandshake)
            let snap = try await client.snapshot(
                spyOption(600, "C"), timeout: .milliseconds(300), expected: [.bid, .ask])
            #expect(snap.timedOut && snap.missing == [.bid, .ask])
            #expect(client.linesInUse == 0)
        }
    }

    @Test func openInterestBySubscribeWaitCancel() async throws {
        try await withClient { client, sim in
            let snap = try await client.sample(spyOption(600, "C"), genericTicks: "101", until: [.openInterest])
            #expect(try #require(snap.callOpenInterest) > 0)
            #expect(!snap.timedOut)
            #expect(!sim.errorCodesSent.contains(300))  // the cancel found its subscription
        }
    }

    @Test func streamingAndCancellation() async throws {
        try await withClient(simulator: { $0.clockSpeed = 60 }) { client, sim in
            let stream = try await client.marketDataStream(spyOption(600, "C"))
            var ticks = 0
            for try await update in stream {
                if case .tick = update { ticks += 1 }
                if ticks >= 10 { break }
            }
            #expect(ticks == 10)
            // Leaving the loop cancels at the gateway and frees the line.
            for _ in 0..<200 where client.linesInUse > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(client.linesInUse == 0)
            _ = try await client.currentTime()
            #expect(!sim.errorCodesSent.contains(300))
        }
    }

    @Test func delayedDataIsMarkedDelayed() async throws {
        try await withClient(simulator: { $0.marketData = .delayed }, client: { $0.marketDataType = .delayed }) {
            client, _ in
            let snap = try await client.snapshot(spyOption(600, "C"), expected: [.bid, .greeks])
            #expect(snap.delayed && snap.marketDataType == 3)
            #expect(snap.bid != nil && snap.modelGreeks?.tickType == 83)
        }
    }

    @Test func historicalBarsAccountAndPositions() async throws {
        try await withClient { client, _ in
            let bars = try await client.historicalBars(spyStock(), duration: "1 Y")
            #expect(bars.count == 252)
            let summary = try await client.accountSummary()
            #expect(summary.contains { $0.tag == "NetLiquidation" && $0.value == "100000.00" })
            #expect(try await client.positions().isEmpty)
            #expect(try await client.openOrders().isEmpty)
        }
    }

    @Test func placeOrderFillsWithExecutionsAndCommissions() async throws {
        try await withClient { client, _ in
            let legs = try await [
                client.contractDetails(spyOption(590, "P")), client.contractDetails(spyOption(585, "P")),
            ].map { $0[0].contract.conId }
            var combo = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
            combo.comboLegs = [
                TWSComboLeg(conId: legs[0], ratio: 1, action: "SELL"),
                TWSComboLeg(conId: legs[1], ratio: 1, action: "BUY"),
            ]
            var order = TWSOrder()
            order.action = "BUY"
            order.totalQuantity = 1
            order.orderType = "LMT"
            order.lmtPrice = -0.05
            order.orderRef = "client-test-1"
            let handle = try await client.placeOrder(contract: combo, order: order)
            var statuses: [String] = []
            var executions = 0
            var commissions = 0
            for await event in handle.events {
                switch event {
                case .status(let s): statuses.append(s.status)
                case .execution: executions += 1
                case .commission: commissions += 1
                default: break
                }
                if statuses.last == "Filled" && commissions == 2 { break }
            }
            #expect(statuses.first == "PreSubmitted" && statuses.last == "Filled")
            #expect(executions == 2 && commissions == 2)
            let reports = try await client.executions()
            #expect(
                reports.count == 2
                    && reports.allSatisfy { $0.commission != nil && $0.details.execution.orderRef == "client-test-1" })
            let positions = try await client.positions()
            #expect(Set(positions.map { $0.position?.doubleValue ?? 0 }) == [-1, 1])
        }
    }

    @Test func ordersAreRefusedOnALiveAccount() async throws {
        try await withClient(simulator: { $0.accounts = ["U1234567"] }) { client, _ in
            do {
                _ = try await client.placeOrder(contract: spyOption(600, "C"), order: TWSOrder())
                Issue.record("an order reached a live account")
            } catch let error as TWSClientError {
                #expect(error.code == .notPaperAccount)
            }
        }
    }
}
