import Foundation
import GatewaySimulator
import OptionsModel
import Synchronization
import TWSWire
import TestSupport
import Testing

@testable import TWSClient

/// What a new connection must restore, and what it must not repeat: the market-data type goes out
/// again on every connection, and executions the gateway re-delivers reach their order only once.
@Suite(.serialized) struct ClientReconnectStateTests {
    @Test func theMarketDataTypeIsSentAgainAfterEveryReconnect() async throws {
        // A live gateway serves frozen data only to a session that asked for it (a new session starts live).
        try await withClient(client: { $0.marketDataType = .frozen }) { client, sim in
            let first = try await client.snapshot(spyStock())
            #expect(first.marketDataType == 2)
            // One watcher for the whole test: cancelling a consumer ends the client's event stream.
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            for round in 1...2 {
                sim.inject(.dropConnection)
                // The first connection's event is buffered from before the watcher started.
                let events = await log.wait { count($0, isConnected) == round + 1 }
                #expect(count(events, isConnected) == round + 1, "round \(round): \(events)")
                let again = try await client.snapshot(spyStock())
                #expect(again.marketDataType == 2, "round \(round): served type \(again.marketDataType)")
            }
        }
    }

    @Test func reDeliveredExecutionsReachTheirOrderOnce() async throws {
        try await withClient { client, sim in
            let legs = try await [
                client.contractDetails(spyOption(590, "P")), client.contractDetails(spyOption(585, "P")),
            ].map { $0[0].contract.conId }
            let combo = TWSComboOrder(
                symbol: "SPY",
                legs: [.init(conId: legs[0], ratio: 1, buys: false), .init(conId: legs[1], ratio: 1, buys: true)],
                quantity: 1, limit: -0.05, orderRef: "dedup-1")
            let handle = try await client.placeOrder(combo)
            var events = handle.events.makeAsyncIterator()
            var filled = false
            var executions: [String] = []
            var commissions: [String] = []
            while !(filled && commissions.count == 2), let event = await events.next() {
                switch event {
                case .status(let s): filled = filled || s.status == TWSOrderStatusValue.filled.rawValue
                case .execution(let e): executions.append(e.execution.execId)
                case .commission(let c): commissions.append(c.execId)
                default: break
                }
            }
            #expect(executions.count == 2 && Set(commissions) == Set(executions))

            // Reconnect, then ask for the executions again: the gateway sends both (and their
            // commissions) once more, routed by execId like any execution.
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            sim.inject(.dropConnection)
            #expect(reconnected(await log.wait { reconnected($0) }))
            let reports = try await client.executions()
            #expect(reports.map(\.details.execution.execId).sorted() == executions.sorted())
            #expect(reports.allSatisfy { $0.commission != nil })

            // A second drop puts a marker on the order's stream after everything routed so far.
            sim.inject(.dropConnection)
            var markers = 0
            var repeated: [TWSOrderEvent] = []
            while markers < 2, let event = await events.next() {
                switch event {
                case .error(let code, _) where TWSErrorCode(code) == .notConnected: markers += 1
                case .execution, .commission: repeated.append(event)
                default: break
                }
            }
            #expect(markers == 2)
            #expect(repeated.isEmpty, "re-delivered to the order: \(repeated)")
        }
    }

    @Test func routingDeliversAnExecutionAndItsCommissionOncePerExecId() async throws {
        let client = TWSClient(configuration: TWSClientConfiguration())
        let (stream, continuation) = AsyncStream<TWSOrderEvent>.makeStream()
        client.state.withLock { $0.orders[7] = continuation }
        var details = TWSExecDetails()
        details.reqId = -1
        details.execution.orderId = 7
        details.execution.execId = "0001.01"
        var report = TWSCommissionReportMessage()
        report.report.execId = "0001.01"
        report.report.commissionAndFees = 1.1
        for _ in 0..<3 {
            client.route(.execDetails(details))
            client.route(.commissionAndFeesReport(report))
        }
        var corrected = details
        corrected.execution.execId = "0001.02"  // IB's correction of an execution is a new execId
        client.route(.execDetails(corrected))
        continuation.finish()
        var seen: [String] = []
        for await event in stream {
            switch event {
            case .execution(let e): seen.append("exec \(e.execution.execId)")
            case .commission(let c): seen.append("commission \(c.execId)")
            default: break
            }
        }
        #expect(seen == ["exec 0001.01", "commission 0001.01", "exec 0001.02"])
    }
}
