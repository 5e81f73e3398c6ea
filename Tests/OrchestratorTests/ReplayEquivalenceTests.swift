import AppConfig
import Foundation
import GatewaySimulator
import OptionsModel
import Replay
import SnapshotStore
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// Replay drives the live engine: a live run and a replay of the store it wrote decide the same, and a
/// replay is a pure function of its store and configuration.
@Suite(.serialized) struct ReplayEquivalenceTests {
    /// Live trading on the simulator: reconcile, four cycles of a morning, then four weeks later two
    /// more (for the exits) — the same history every equivalence and calibration test replays.
    static func tradeAMorningThenAMonthLater(_ rt: Runtime) async throws {
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
    }

    static func writeConfig(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("live.yaml").path
        try """
        collection:
          symbols: [IWM]
          max_expiries: 0
          strike_range_pct: 0.05
          open_interest: daily
        storage:
          path: \(dir.path)/db.sqlite
        strategy:
          min_iv_rank: 0
          min_open_interest: 0
          max_spread_pct_of_mid: 1.0
        execution:
          venue: simulated
        risk:
          trading_window_start: "09:30"
          trading_window_end: "16:00"
          exit_window_start: "09:30"
          exit_window_end: "16:00"
          no_entry_minutes_before_close: 0
          allow_overlapping_positions: true
          max_positions_per_symbol: 5
          max_new_positions_per_day: 10
          kill_switch_file: \(dir.path)/KILL
        http:
          enabled: false
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    struct Trade: Equatable, CustomStringConvertible {
        var key: String
        var opened: String?
        var closed: String?
        var credit: Double?
        var exit: Double?
        var pnl: Double?
        var reason: String?
        var description: String {
            "\(key) \(opened ?? "-")..\(closed ?? "-") \(credit ?? 0)/\(exit ?? 0) \(pnl ?? 0) \(reason ?? "")"
        }
    }

    static func cents(_ x: Double?) -> Double? { x.map { ($0 * 100).rounded() / 100 } }

    @Test func aLiveRunAndItsReplayMakeTheSameDecisions() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("equivalence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = try Self.writeConfig(dir)
        let loaded = try ConfigLoader.load(path: path, environment: [:])
        let options = RuntimeOptions(
            loaded: loaded, simulator: true, simulatorStart: SimulatorHarness.wednesdayMorning, clockSpeed: 1)
        // Live: the simulator over the wire, the collector and the engine on the simulated venue; a
        // morning of cycles, then four weeks later for the exits.
        let live: [Trade] = try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            try await ReplayEquivalenceTests.tradeAMorningThenAMonthLater(rt)
            return try rt.store.positions(status: nil).filter { $0.status != .unfilled }.map { p in
                Trade(
                    key:
                        "\(p.symbol) \(p.structure.rawValue) \(p.expiry.yyyymmdd) \(p.legs.map(\.contract.strike)) x\(p.quantity)",
                    opened: p.openedAt.map(ISOTime.string), closed: p.closedAt.map(ISOTime.string),
                    credit: Self.cents(p.entryCredit), exit: Self.cents(p.exitDebit), pnl: Self.cents(p.realizedPnL),
                    reason: p.exitReason?.rawValue)
            }
        }
        try #require(!live.isEmpty, "the live run opened nothing to compare")
        #expect(live.contains { $0.closed != nil }, "no exit to compare: \(live)")
        let (configs, storage) = try ReplayRun.configs(files: [path], sweep: [], fill: "slippage", environment: [:])
        let report = try await ReplayRun.run(configs: configs, storage: storage, range: ReplayRange())
        #expect(report.cycles == 6)
        let replayed = try #require(report.results.first).positions.map { p in
            Trade(
                key: "\(p.symbol) \(p.structure) \(p.expiry) \(p.strikes) x\(p.quantity)", opened: p.opened,
                closed: p.closed, credit: p.credit, exit: p.exitDebit, pnl: p.pnl, reason: p.exitReason)
        }
        #expect(replayed == live, "live \(live)\nreplay \(replayed)")
    }

    @Test func twoReplaysOfTheSameStoreAreByteIdentical() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("determinism-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = try ConfigLoader.load(text: "", source: "empty.yaml", environment: [:]).config
        config.storage.path = dir.appendingPathComponent("db.sqlite").path
        config.collection.symbols = ["SPY", "IWM"]
        _ = try await SimulatedHistory(config: config, seed: 5, logger: quiet).run(
            store: try SQLiteStore(path: config.storage.path), from: ShippedConfigTests.monday, days: 2)
        let yaml = dir.appendingPathComponent("c.yaml").path
        try "storage:\n  path: \(config.storage.path)\ncollection:\n  symbols: [SPY, IWM]\n".write(
            toFile: yaml, atomically: true, encoding: .utf8)
        let sweep = try #require(ReplayRun.Axis("strategy.short_delta_target=0.22,0.28"))
        let (configs, storage) = try ReplayRun.configs(
            files: [yaml], sweep: [sweep], fill: "slippage", environment: [:])
        #expect(configs.map(\.name) == ["short_delta_target=0.22", "short_delta_target=0.28"])
        let first = try JSONOutput.render(
            try await ReplayRun.run(configs: configs, storage: storage, range: ReplayRange()))
        let second = try JSONOutput.render(
            try await ReplayRun.run(configs: configs, storage: storage, range: ReplayRange()))
        #expect(first == second)
        let report = try await ReplayRun.run(configs: configs, storage: storage, range: ReplayRange())
        #expect(report.cycles == 156 && report.results.allSatisfy { $0.equity.count == 156 })
        #expect(report.results.contains { !$0.positions.isEmpty })
        // --save keeps each result under its name in the store's own table, apart from live positions.
        let plan = ReplayRun.Plan(configs: configs, storage: storage)
        #expect(try ReplayRun.save(report, name: "delta sweep", plan: plan, at: ShippedConfigTests.monday) == 2)
        let store = try SQLiteStore(path: storage, readOnly: true)
        let saved = try store.savedReplayResults(name: "delta sweep")
        #expect(saved.map(\.config) == configs.map(\.name).sorted())
        #expect(saved.first?.json == (try JSONOutput.render(try #require(report.results.first))))
        #expect(try store.positions(status: nil).isEmpty)
        // The HTML report stands alone: no script, nothing fetched.
        let html = ReplayHTML.render(report)
        #expect(
            html.contains("<svg") && !html.contains("<script") && !html.contains("http://")
                && !html.contains("https://"))
    }
}
