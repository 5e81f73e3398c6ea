import AppConfig
import Foundation
import GatewaySimulator
import Logging
import SnapshotStore
import TWSClient
import TWSWire
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// The fault matrix end to end: the in-process simulator injects each fault while the collector
/// (and, for orders, the trader) run; every row asserts cycle statuses, no duplicate rows or orders,
/// the health verdict during and after, and prints its detect / recover times (README, Reliability).
@Suite(.serialized) struct FaultMatrixTests {
    static func faultOptions(backoff: (initial: Double, max: Double) = (0.2, 1)) throws -> RuntimeOptions {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fault-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        ).path
        let yaml = """
            gateway:
              request_timeout_seconds: 3
              reconnect:
                initial_backoff_seconds: \(backoff.initial)
                max_backoff_seconds: \(backoff.max)
            collection:
              symbols: [IWM]
              max_expiries: 1
              strike_range_pct: 0.01
              open_interest: off
              snapshot_timeout_seconds: 2
            storage:
              path: \(db)
            circuit_breaker:
              reset_timeout_seconds: 1
            """
        return RuntimeOptions(
            loaded: try ConfigLoader.load(text: yaml, source: "faults.yaml"), simulator: true,
            simulatorStart: SimulatorHarness.wednesdayMorning, clockSpeed: 1)
    }

    /// Polls `condition` every 50 ms; the seconds it took, or nil after `limit` seconds.
    static func within(_ limit: Double, _ condition: () async -> Bool) async -> Double? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(Int(limit * 1000)) {
            if await condition() { return seconds(ContinuousClock.now - start) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Collects until a cycle is `ok`; the seconds it took (nil if never within `limit`).
    static func recovers(_ rt: Runtime, limit: Double = 20) async -> Double? {
        await within(limit) { (try? await rt.collector.collectOnce())?.status == .ok }
    }

    static func record(_ row: String, detect: Double?, recover: Double?, _ note: String) {
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f s", $0) } ?? "-" }
        print("FAULT-MATRIX | \(row) | \(f(detect)) | \(f(recover)) | \(note)")
    }

    /// Every stored cycle finished (none left running) and rows equal the cycles' counts: nothing
    /// duplicated, nothing half-written.
    static func expectConsistent(_ rt: Runtime) throws {
        let cycles = try rt.store.cycles(limit: 1000)
        #expect(cycles.allSatisfy { $0.status != .running })
        let stats = try rt.store.stats()
        // Re-runs of one slot overwrite, so rows never exceed what the cycles wrote.
        #expect(stats.optionRows <= cycles.reduce(0) { $0 + $1.counts.values.reduce(0, +) })
        #expect(try rt.store.integrityCheck() == "ok")
    }

    @Test func connectionDroppedMidCycle() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let sim = try #require(rt.simulator)
            let cycle = Task { try await rt.collector.collectOnce() }
            try await Task.sleep(for: .milliseconds(150))
            let injected = ContinuousClock.now
            sim.inject(.dropConnection)
            let report = try await cycle.value
            let detect = await Self.within(5) {
                rt.client.connectionInfo == nil || rt.client.status.lastErrorCode != nil
            }
            let recover = await Self.recovers(rt)
            #expect(recover != nil)
            #expect(try rt.store.cycles(limit: 10).contains { $0.id == report.cycleID && $0.status == report.status })
            #expect(await HealthChecker.service(rt).status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                "connection dropped mid-cycle", detect: detect, recover: Self.seconds(ContinuousClock.now - injected),
                "interrupted cycle recorded \(report.status.rawValue); next cycle ok")
        }
    }

    @Test func gatewayRestart() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let sim = try #require(rt.simulator)
            let injected = ContinuousClock.now
            sim.inject(.restart(downSeconds: 3))
            let detect = await Self.within(5) { await HealthChecker.service(rt).status == .down }
            #expect(detect != nil, "health did not say down while the gateway was gone")
            // A cycle meanwhile waits for the reconnect (up to the request timeout), then fails or
            // completes: either way it is recorded, never left running.
            let during = try await rt.collector.collectOnce()
            #expect(try rt.store.cycles(limit: 5).contains { $0.id == during.cycleID && $0.status == during.status })
            #expect(await Self.recovers(rt) != nil)
            #expect(await HealthChecker.service(rt).status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                "gateway restarted (3 s down; nightly reset scaled)", detect: detect,
                recover: Self.seconds(ContinuousClock.now - injected),
                "health down -> ok; cycle meanwhile: \(during.status.rawValue)")
        }
    }

    /// IB refuses requests with a pacing or line-limit error: the cycle meanwhile is recorded with
    /// what it got, the next one is whole again, and health ends ok.
    func refusal(_ fault: FaultAction, code: Int, row: String, beforeFirstCycle: Bool = false) async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            let sim = try #require(rt.simulator)
            if beforeFirstCycle { sim.inject(fault) }
            let injected = ContinuousClock.now
            let first = try await rt.collector.collectOnce()
            if !beforeFirstCycle {
                #expect(first.status == .ok)
                sim.inject(fault)
            }
            let during = beforeFirstCycle ? first : try await rt.collector.collectOnce()
            let detect = await Self.within(5) { sim.errorCodesSent.contains(code) }
            #expect(detect != nil, "the simulator never sent \(code)")
            #expect(try rt.store.cycles(limit: 5).contains { $0.id == during.cycleID && $0.status == during.status })
            let recover = await Self.recovers(rt, limit: 45)  // refetched bars wait IB's 15 s pacing
            #expect(recover != nil)
            let after = try #require(try rt.store.cycles(limit: 1).first)
            #expect(after.status == .ok && (after.counts["IWM"] ?? 0) >= during.symbols.first?.contracts ?? 0)
            #expect(await HealthChecker.service(rt).status == .ok)
            try Self.expectConsistent(rt)
            let symbol = during.symbols.first
            Self.record(
                row, detect: detect, recover: Self.seconds(ContinuousClock.now - injected),
                "cycle meanwhile \(during.status.rawValue) (\(symbol?.contracts ?? 0)/\(after.counts["IWM"] ?? 0) contracts\(symbol?.error.map { "; " + $0 } ?? "")\((symbol?.notes ?? []).map { "; " + $0 }.joined())); "
                    + "next cycle whole; health ok")
        }
    }

    @Test func rateViolation() async throws {
        try await refusal(.rateViolation(requests: 5), code: 100, row: "pacing violation (100, 5 requests refused)")
    }

    @Test func historicalPacingViolation() async throws {
        try await refusal(
            .historicalPacingViolation(requests: 3), code: 162, row: "historical pacing violation (162)",
            beforeFirstCycle: true)
    }

    @Test func lineLimit() async throws {
        try await refusal(.linesExhausted(requests: 4), code: 101, row: "line limit (101 on 4 requests)")
    }

    func connectivity(dataLost: Bool) async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let sim = try #require(rt.simulator)
            sim.inject(.connectivityLost(dataLost: dataLost, seconds: 2))
            let detect = await Self.within(3) {
                await HealthChecker.service(rt).checks.contains { $0.name == "connectivity" && $0.status == .degraded }
            }
            #expect(detect != nil)
            let recover = await Self.within(6) { await HealthChecker.service(rt).status == .ok }
            #expect(recover != nil)
            #expect(try await rt.collector.collectOnce().status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                "1100 then \(dataLost ? 1101 : 1102)", detect: detect, recover: recover.map { $0 + (detect ?? 0) },
                "health degraded (connectivity) -> ok; next cycle ok")
        }
    }

    @Test func connectivityLostThenRestoredDataLost() async throws { try await connectivity(dataLost: true) }
    @Test func connectivityLostThenRestoredDataKept() async throws { try await connectivity(dataLost: false) }

    @Test func dataFarmBrokenThenOK() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            try #require(rt.simulator).inject(.farmOutage(code: 2103, seconds: 2))
            let detect = await Self.within(3) {
                await HealthChecker.service(rt).checks.contains { $0.name == "data farms" && $0.status == .degraded }
            }
            #expect(detect != nil)
            let recover = await Self.within(6) { await HealthChecker.service(rt).status == .ok }
            #expect(recover != nil)
            #expect(try await rt.collector.collectOnce().status == .ok)
            Self.record(
                "data farm broken (2103) then OK", detect: detect, recover: recover.map { $0 + (detect ?? 0) },
                "health degraded -> ok")
        }
    }

    @Test func competingSession() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            try #require(rt.simulator).inject(.competingSession(seconds: 2))
            let during = Task { try await rt.collector.collectOnce() }
            let detect = await Self.within(3) {
                await HealthChecker.service(rt).checks.contains { $0.name == "session" && $0.status == .degraded }
            }
            #expect(detect != nil)
            let report = try await during.value
            #expect(report.status != .running)
            // Retried back to back here, the breaker opens (5 failures) and half-opens after its
            // reset timeout (1 s in this configuration), so recovery includes that wait.
            let recover = await Self.recovers(rt)
            #expect(recover != nil)
            #expect(await HealthChecker.service(rt).status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                "10197 competing session (2 s)", detect: detect, recover: recover,
                "health degraded (session); cycle during: \(report.status.rawValue); breaker opened, half-open probe ok"
            )
        }
    }

    @Test func greeksWithheldForTheWholeChain() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            let sim = try #require(rt.simulator)
            sim.inject(.withholdGreeks(symbol: "IWM"))
            let report = try await rt.collector.collectOnce()
            // No fallback configured: the chain is unusable, so the symbol fails (nothing half-usable stored).
            #expect(report.status == .failed)
            #expect(report.symbols.first?.error?.lowercased().contains("greeks") == true)
            sim.inject(.clear)
            #expect(try await rt.collector.collectOnce().status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                "greeks withheld for a whole chain", detect: report.seconds, recover: nil,
                "symbol failed as unusable (no fallback configured); next cycle ok")
        }
    }

    func badFrame(_ action: FaultAction, _ row: String) async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let injected = ContinuousClock.now
            try #require(rt.simulator).inject(action)
            let recover = await Self.recovers(rt)
            #expect(recover != nil)
            #expect(await HealthChecker.service(rt).status == .ok)
            try Self.expectConsistent(rt)
            Self.record(
                row, detect: nil, recover: Self.seconds(ContinuousClock.now - injected),
                "connection reset and resumed; next cycle ok")
        }
    }

    @Test func garbageFrame() async throws { try await badFrame(.garbageFrame, "garbage frame") }
    @Test func truncatedFrame() async throws { try await badFrame(.truncatedFrame, "truncated frame") }

    @Test func silenceAfterHandshake() async throws {
        try await OrchestratorRuntime.with(try Self.faultOptions(), logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let sim = try #require(rt.simulator)
            sim.inject(.silenceAfterHandshake)
            let started = ContinuousClock.now
            let report = try await rt.collector.collectOnce()
            let detect = Self.seconds(ContinuousClock.now - started)
            #expect(report.status == .failed)
            sim.inject(.clear)
            let recover = await Self.recovers(rt)
            #expect(recover != nil)
            try Self.expectConsistent(rt)
            Self.record(
                "silence after handshake", detect: detect, recover: recover,
                "requests time out; cycle failed; ok once replies resume")
        }
    }

    @Test func orderStuckInPreSubmitted() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let sim = try #require(rt.simulator)
            sim.inject(.stickOrdersInPreSubmitted)
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let started = ContinuousClock.now
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            let detect = Self.seconds(ContinuousClock.now - started)
            #expect(report.opened.isEmpty)
            let orders = try rt.store.orders(limit: 10)
            #expect(!orders.isEmpty && orders.allSatisfy { $0.status == .cancelled })
            #expect(try rt.store.fills(orderRef: nil).isEmpty)
            #expect(try await rt.client.openOrders().isEmpty)
            // One order per orderRef at the account, re-priced in place rather than resent.
            let completed = try await rt.client.completedOrders().map(\.order.orderRef)
            #expect(completed.count == Set(completed).count)
            #expect(try rt.store.positions(status: [.opening, .open]).isEmpty)
            Self.record(
                "order stuck in PreSubmitted", detect: detect, recover: nil,
                "re-priced \(orders.first?.repriceCount ?? 0)x, cancelled; no fill, no duplicate")
        }
    }

    /// IB down (nothing listens) and Polygon answering every call with `response`.
    func polygonOnly(_ response: FakePolygonServer.Response) async throws -> (
        CycleReport, HealthReport, Runtime.BreakerStates
    ) {
        let server = FakePolygonServer()
        for path in ["/v2/aggs/ticker/IWM/prev", "/v3/snapshot/options/IWM", "/v3/snapshot/indices"] {
            server.route(path, response, response, response, response, response, response, response, response)
        }
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let db = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fault-pg-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        ).path
        let yaml = """
            gateway:
              port: 1
              connect_timeout_seconds: 0.5
              request_timeout_seconds: 1
            collection:
              symbols: [IWM]
            storage:
              path: \(db)
            polygon:
              enabled: true
              base_url: \(base.absoluteString)
              requests_per_minute: 1000
              timeout_seconds: 5
            """
        let loaded = try ConfigLoader.load(
            text: yaml, source: "faults.yaml", environment: ["POLYGON_API_KEY": "test-key-0123456789"])
        return try await OrchestratorRuntime.with(RuntimeOptions(loaded: loaded, simulator: false), logger: quiet) {
            rt in
            let report = try await rt.collector.collectOnce()
            let health = await HealthChecker.service(rt)
            #expect(try rt.store.stats().optionRows == 0)
            #expect(try rt.store.cycles(limit: 1).first?.status == .failed)
            return (report, health, rt.breakerStates)
        }
    }

    @Test func polygon429StormWhileIBIsDown() async throws {
        let started = ContinuousClock.now
        let (report, health, breakers) = try await polygonOnly(
            .json(#"{"status": "ERROR", "message": "too many requests"}"#, status: 429, headers: [("Retry-After", "1")])
        )
        #expect(report.status == .failed)
        let error = report.symbols.first?.error ?? ""
        #expect(error.contains("429") || error.lowercased().contains("rate"), "\(error)")
        #expect(breakers["polygon"] == "closed", "one failure must not open the breaker")
        #expect(health.status == .degraded && health.checks.contains { $0.name == "gateway" && $0.status == .degraded })
        Self.record(
            "Polygon 429 storm while IB is down", detect: Self.seconds(ContinuousClock.now - started), recover: nil,
            "backs off per Retry-After; cycle failed, nothing written; health degraded")
    }

    @Test func polygon403WhileIBIsDown() async throws {
        let started = ContinuousClock.now
        let (report, health, breakers) = try await polygonOnly(
            .json(#"{"status": "NOT_AUTHORIZED", "message": "plan does not include this data"}"#, status: 403))
        #expect(report.status == .failed)
        #expect(report.symbols.first?.error?.contains("403") == true)
        // A permanent refusal opens Polygon's breaker at once: no retry storm against a 403.
        #expect(breakers["polygon"] == "open")
        #expect(health.checks.contains { $0.name == "breaker polygon" && $0.status == .degraded })
        Self.record(
            "Polygon 403 while IB is down", detect: Self.seconds(ContinuousClock.now - started), recover: nil,
            "breaker opens at once; cycle failed, nothing written; health degraded")
    }
}

/// The nightly reset at its real length (the matrix above scales it to 3 s): the gateway is gone for
/// two minutes while the client backs off with the default 1 s doubling to 60 s. Its own suite, so
/// it runs alongside the serialized matrix instead of after it.
@Suite struct NightlyResetTests {
    @Test func gatewayDownForTwoMinutes() async throws {
        let options = try FaultMatrixTests.faultOptions(backoff: (1, 60))
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            #expect(try await rt.collector.collectOnce().status == .ok)
            let sim = try #require(rt.simulator)
            let injected = ContinuousClock.now
            sim.inject(.restart(downSeconds: 120))
            let detect = await FaultMatrixTests.within(5) { await HealthChecker.service(rt).status == .down }
            #expect(detect != nil, "health did not say down while the gateway was gone")
            let during = try await rt.collector.collectOnce()
            #expect(during.status == .failed)
            #expect(await HealthChecker.service(rt).status == .down)
            // Back within one maximum backoff (60 s) of the gateway's return, then collecting again.
            let reconnected = await FaultMatrixTests.within(200) { rt.client.connectionInfo != nil }
            #expect(reconnected != nil)
            let afterReturn = FaultMatrixTests.seconds(ContinuousClock.now - injected) - 120
            #expect(afterReturn < 65)  // one full backoff (60 s) plus the handshake, under load
            #expect(await FaultMatrixTests.recovers(rt) != nil)
            #expect(await HealthChecker.service(rt).status == .ok)
            try FaultMatrixTests.expectConsistent(rt)
            FaultMatrixTests.record(
                "gateway restarted, 2 minutes down (default backoff)", detect: detect,
                recover: FaultMatrixTests.seconds(ContinuousClock.now - injected),
                "reconnected \(String(format: "%.1f", afterReturn)) s after the gateway returned; "
                    + "cycle meanwhile: \(during.status.rawValue); health down -> ok")
        }
    }
}
