import AppConfig
import Foundation
import OptionsModel
import SnapshotStore
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// Every configuration we ship must trade on the simulated market within one simulated day, with the
/// collector choosing what it collects from the configuration, as `run` does.
@Suite struct ShippedConfigTests {
    static let files = [
        "paper_trading.yaml", "config/simulator.yaml", "config/polygon-only.yaml", "config/delayed-data.yaml",
    ]

    /// A Monday 09:30 New York, far from the test harness's other dates.
    static let monday = MarketCalendar().date(Expiry("20260309")!, minute: 9 * 60 + 30)

    /// One simulated day of `config` into a new store, traded by the engine on the simulated venue.
    static func tradedDay(_ config: PaperTraderConfig, seed: UInt64) async throws -> (
        SimulatedHistory.Summary, SQLiteStore
    ) {
        var config = config
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("day-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        config.storage.path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: config.storage.path)
        let engine = TradingEngine(
            journal: store, venue: SimulatedVenue(), settings: OrchestratorRuntime.traderSettings(config),
            prices: store, logger: quiet)
        let summary = try await SimulatedHistory(config: config, seed: seed, logger: quiet).run(
            store: store, from: monday, days: 1, trader: (engine, store))
        return (summary, store)
    }

    static func tradesInOneDay(_ file: String) async throws -> (SimulatedHistory.Summary, [String]) {
        let path = Fixtures.repositoryRoot.appendingPathComponent(file).path
        let (summary, store) = try await tradedDay(try ConfigLoader.load(path: path, environment: [:]).config, seed: 1)
        let reasons =
            try store.recentEvents(limit: 2_000, kind: .noTrade).map(\.message)
            + store.recentEvents(limit: 2_000, kind: .riskRefused).map(\.message)
        return (summary, Array(Set(reasons)).sorted())
    }

    @Test(arguments: files) func tradesWithinASimulatedDay(_ file: String) async throws {
        let (summary, reasons) = try await Self.tradesInOneDay(file)
        #expect(summary.cycles > 20 && summary.failedCycles == 0)
        #expect(summary.opened >= 1, "\(file) never traded: \(reasons.prefix(8))")
    }
}

/// `explain` on the latest stored cycle says what `run` decided on it, in the same words.
@Suite struct ExplainAgreesWithRunTests {
    @Test func explainGivesTheDecisionTheTraderJournaled() async throws {
        var loaded = try ConfigLoader.load(text: "", source: "empty.yaml", environment: [:])
        // Entries end at 15:45; the day's last cycles are then refusals for the window.
        let (summary, store) = try await ShippedConfigTests.tradedDay(loaded.config, seed: 2)
        loaded.config.storage.path = store.path
        let last = try #require(summary.last)
        let explanations = try await ExplainRun.explain(config: loaded.config, symbols: nil, killSwitch: false)
        #expect(explanations.count == 3)
        let decisions = try store.recentEvents(limit: 50, kind: nil).filter {
            $0.time == last && ($0.kind == .noTrade || $0.kind == .riskRefused)
        }
        for e in explanations {
            #expect(e.time == last)
            let journaled = try #require(decisions.first { $0.symbol == e.symbol }, "\(e.symbol) not journaled")
            #expect(journaled.message == e.verdict)
        }
    }
}
