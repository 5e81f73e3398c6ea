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
            #expect(ExplainText.render(explanation).contains("  odds    POP "))
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

    @Test func theAccountsWhatIfRefusesAnEntryTheBookWouldAllow() async throws {
        // The book believes in a trillion dollars; the account has what the simulator gave it, so only
        // the what-if sees that the reserve leaves no room.
        var options = try tradingOptions(riskLimits: "  margin_reserve: 100000000000")
        options.loaded.config.execution.startingCash = 1_000_000_000_000
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            #expect(report.opened.isEmpty)
            let refusal = try #require(report.noTrade["IWM"])
            #expect(refusal.hasPrefix("margin: initial margin change "), "\(refusal)")
            #expect(refusal.contains("less risk.margin_reserve 100000000000.00"))
            let margin = try #require(try rt.store.recentEvents(limit: 20, kind: .marginCheck).first)
            #expect(margin.data?.contains("\"source\":\"ib_whatif\"") == true && margin.message.hasSuffix("(refused)"))
            #expect(try rt.store.orders(limit: 10).isEmpty && rt.store.positions(status: nil).isEmpty)
            #expect(try await rt.client.openOrders().isEmpty)
            #expect(try await rt.client.listedCompletedOrders().isEmpty)
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
            try await ReplayEquivalenceTests.tradeAMorningThenAMonthLater(rt)
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

    @Test func theCLIPrintsTheRiskBookAndTheCalibration() throws {
        try #require(CLIProcess.isBuilt, "build the executable first: swift build")
        let dir = try CLIProcess.temporaryDirectory("cli-risk")
        let store = try SQLiteStore(path: dir + "/db.sqlite")
        let april = try #require(Expiry("20260417"))
        var p = PositionRecord(
            symbol: "SPY", structure: .bullPutSpread, status: .open, quantity: 1, expiry: april,
            legs: [
                LegRecord(
                    action: .sell, contract: OptionContract(symbol: "SPY", expiry: april, strike: 500, right: .put)),
                LegRecord(
                    action: .buy, contract: OptionContract(symbol: "SPY", expiry: april, strike: 495, right: .put)),
            ], entryCredit: 1.5, maxLoss: 350)
        p.id = try store.insertPosition(p)
        try "storage:\n  path: \(dir)/db.sqlite\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let text = try CLIProcess.run(["report", "--risk", "--config", dir + "/c.yaml"], in: dir)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("risk book at") && text.stdout.contains("SPY bull put spread 20260417 500/495 x1"))
        #expect(text.stdout.contains("350.00") && text.stdout.contains("498.50"))
        #expect(text.stdout.contains("note: SPY bull put spread 20260417 500/495 x1: no stored chain with a price"))
        let json = try CLIProcess.run(["report", "--risk", "--json", "--config", dir + "/c.yaml"], in: dir)
        #expect(json.status == 0 && json.stdout.contains("\"maxLossByUnderlying\":{\"SPY\":350}"), "\(json.stdout)")
        let calibration = try CLIProcess.run(["report", "--calibration", "--config", dir + "/c.yaml"], in: dir)
        #expect(calibration.status == 0 && calibration.stdout.contains("calibration: 0 closed trades"))
    }
}

/// The `risk:` keys reach the trader's settings.
@Suite struct RiskSettingsMappingTests {
    @Test func riskKeysMapIntoTradingSettings() throws {
        let loaded = try ConfigLoader.load(
            text: """
                risk:
                  min_pop: 0.6
                  beta_weighted_delta_min: -50
                  beta_weighted_delta_max: 80
                  max_vega: 300
                  max_negative_gamma: 12.5
                  max_nlv_at_risk_by_vix: "0:0.2, 20:0.1"
                  margin_reserve: 2500
                  beta_lookback_days: 90
                  scenario_horizon_days: 14
                """, source: "r.yaml", environment: [:])
        let s = OrchestratorRuntime.traderSettings(loaded.config)
        #expect(s.limits.minPOP == 0.6 && s.limits.betaWeightedDeltaBand == -50...80)
        #expect(s.limits.maxVega == 300 && s.limits.maxNegativeGamma == 12.5 && s.limits.marginReserve == 2500)
        #expect(
            s.limits.netLiquidationAtRisk == [VIXBand(fromVIX: 0, maxShare: 0.2), VIXBand(fromVIX: 20, maxShare: 0.1)])
        #expect(s.model.betaLookbackDays == 90 && s.model.horizonDays == 14)
        #expect(s.limits.atRiskBand(vix: 25)?.maxShare == 0.1 && s.limits.atRiskBand(vix: 12)?.maxShare == 0.2)
        // The shipped defaults are the Trading defaults.
        let defaults = OrchestratorRuntime.traderSettings(PaperTraderConfig.defaults)
        #expect(defaults.limits == RiskLimits())
    }
}
