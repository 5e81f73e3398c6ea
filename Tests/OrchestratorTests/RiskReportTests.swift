import AppConfig
import Foundation
import GatewaySimulator
import OptionsModel
import Replay
import SnapshotStore
import TWSClient
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// The risk book, the what-if margin check and the risk report against the simulator over loopback.
@Suite(.serialized) struct RiskReportTests {
    @Test func aWhatIfReturnsRegTMarginAndLeavesNoOrderAtTheAccount() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let picture = try #require(pictures.first)
            let explanation = try await rt.trader.explain(picture, now: cycle.timestamp, killSwitch: false)
            let candidate = try #require(explanation.candidate, "\(explanation.verdict)")
            let legs = candidate.legs.map { LegRecord(action: $0.action, contract: $0.option.contract) }
            let ticket = OrderTicket(
                orderRef: "pt-whatif-test", symbol: candidate.symbol, purpose: .open, legs: legs,
                quantity: candidate.quantity, mid: -candidate.credit, natural: -candidate.naturalCredit)
            let venue = IBPaperVenue(client: rt.client, speed: rt.speed, logger: quiet)
            let preview = try #require(try await venue.marginPreview(ticket, limit: -candidate.credit))
            // The simulated account charges what Trading's own Reg-T says: the wider side's width x 100.
            let regT = try #require(
                RegTRequirement.initial(legs.map { ($0.contract, $0.action.sign * Double(candidate.quantity)) }))
            #expect(abs(preview.initialMarginChange - regT) < 0.01, "\(preview)")
            #expect(abs(regT - candidate.width * 100 * Double(candidate.quantity)) < 1e-9)
            #expect(preview.availableFunds > 0 && preview.source == "ib_whatif")
            // Nothing was placed: no open order, no completed order, no execution.
            #expect(try await rt.client.openOrders().isEmpty)
            #expect(try await rt.client.listedCompletedOrders().isEmpty)
            #expect(try await rt.client.executions().isEmpty)
        }
    }

    @Test func theTradersWhatIfIsJournaledAndOnlyTheRealOrderReachesTheAccount() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            _ = try #require(report.opened.first, "\(report)")
            let margin = try #require(try rt.store.recentEvents(limit: 20, kind: .marginCheck).first)
            #expect(margin.data?.contains("\"source\":\"ib_whatif\"") == true, "\(margin)")
            let journaled = Set(try rt.store.orders(limit: 50).map(\.orderRef))
            let atAccount =
                try await rt.client.listedCompletedOrders().map(\.orderRef)
                + rt.client.listedOpenOrders().map(\.orderRef)
            #expect(!atAccount.isEmpty && atAccount.allSatisfy { journaled.contains($0) }, "\(atAccount)")
            #expect(!atAccount.contains { $0.contains("whatif") })

            // The risk report of that book, checked against the stored chain row by row.
            let risk = try RiskAPI.risk(store: rt.store, config: rt.config)
            let held = try rt.store.positions(status: [.open])
            #expect(risk.book.positions.count == held.count)
            let p = try #require(held.first)
            let chain = try #require(
                try rt.store.latestChain(symbol: p.symbol, expiryFrom: nil, expiryTo: nil, right: nil))
            var delta = 0.0
            var vega = 0.0
            for leg in p.legs {
                let row = try #require(chain.options.first { $0.contract.key == leg.contract.key })
                delta += leg.action.sign * Double(p.quantity) * 100 * (row.greeks.delta ?? 0)
                vega += leg.action.sign * Double(p.quantity) * 100 * (row.greeks.vega ?? 0)
            }
            #expect(abs(risk.book.totals.delta - delta) < 1e-9 && abs(risk.book.totals.vega - vega) < 1e-9)
            #expect(abs(risk.book.maxLoss - (p.maxLoss ?? 0)) < 1e-9)
            #expect(abs(risk.book.maxProfit - (p.entryCredit ?? 0) * 100 * Double(p.quantity)) < 1e-9)
            #expect(risk.scenarios.grids.count == 2 && risk.scenarios.payoffs.count == 1)
            #expect(risk.scenarios.grids[0].pnl.count == risk.scenarios.ivShifts.count)
            #expect(risk.text.contains("risk book") && risk.text.contains("scenario P&L now"))
            let json = try JSONOutput.render(risk)
            #expect(json.contains("\"betaWeightedDelta\"") && json.contains("\"maxLossByExpiry\""))
            _ = try JSONOutput.render(try RiskAPI.scenarios(store: rt.store, config: rt.config))
        }
    }

    @Test func aLiveAccountRefusesTheWhatIfToo() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(accounts: ["U7654321"]), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            #expect(report.opened.isEmpty)
            #expect(try await rt.client.openOrders().isEmpty)
            #expect(try await rt.client.listedCompletedOrders().isEmpty)
        }
    }

    @Test func calibrationRunsOnTheLiveJournalAndOnItsReplay() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("calibration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = try ReplayEquivalenceTests.writeConfig(dir)
        let loaded = try ConfigLoader.load(path: path, environment: [:])
        let options = RuntimeOptions(
            loaded: loaded, simulator: true, simulatorStart: SimulatorHarness.wednesdayMorning, clockSpeed: 1)
        let live: CalibrationReport = try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            for step in 0..<6 {
                if step == 4 {
                    rt.simulator?.advanceClock(by: 27 * 86_400)
                } else if step > 0 {
                    rt.simulator?.advanceClock(by: 300)
                }
                let (cycle, pictures) = try await rt.collector.collectCycle()
                _ = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            }
            return try RiskAPI.calibration(store: rt.store)
        }
        #expect(live.trades > 0 && live.withoutPrediction == 0, "\(live)")
        #expect(live.rows.contains { $0.grouping == "short delta" } && live.rows.contains { $0.grouping == "IV rank" })
        #expect(live.text.contains("predicted POP"))
        let (configs, storage) = try ReplayRun.configs(files: [path], sweep: [], fill: "slippage", environment: [:])
        let report = try await ReplayRun.run(configs: configs, storage: storage, range: ReplayRange())
        let replayed = try #require(report.results.first?.calibration)
        #expect(replayed.trades == live.trades && replayed.withoutPrediction == 0)
        #expect(ReplayRun.text(report).contains("calibration"))
    }
}
