import AppConfig
import Foundation
import GatewaySimulator
import Logging
import TWSClient
import TestSupport
import Testing

@testable import Orchestrator

/// A second program with a client id already taken hears why, in words and within seconds: never a
/// 30-second "waiting for the gateway connection timed out".
@Suite(.serialized) struct GatewayRefusalTests {
    /// Holds `clientId` on the simulator for the duration of `body`, as another program would.
    static func holding<R: Sendable>(
        clientId: Int, _ body: @Sendable (GatewaySimulator) async throws -> R
    ) async throws -> R {
        try await SimulatorHarness.with { sim in
            var config = TWSClientConfiguration()
            config.port = sim.port
            config.clientId = clientId
            let holder = TWSClient(configuration: config, logger: quiet)
            return try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    try await holder.run()
                    return nil
                }
                defer { group.cancelAll() }
                _ = try await holder.waitUntilReady(timeout: .seconds(30))
                let result = try await body(sim)
                group.cancelAll()
                return result
            }
        }
    }

    /// A config on the simulator's port whose timeouts are far longer than the bound the tests assert.
    static func yaml(port: Int, clientId: Int, db: String) -> String {
        """
        gateway:
          port: \(port)
          client_id: \(clientId)
          connect_timeout_seconds: 30
          request_timeout_seconds: 30
        collection:
          symbols: [IWM]
          max_expiries: 1
          open_interest: off
        storage:
          path: \(db)
        http:
          enabled: false
        """
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    @Test func collectOnceAndHealthSayTheClientIdIsTakenWithinSeconds() async throws {
        try #require(CLIProcess.isBuilt, "build the executable first: swift build (scripts/test.sh does)")
        let dir = try CLIProcess.temporaryDirectory("cli-refused")
        try await Self.holding(clientId: 137) { sim in
            try Self.yaml(port: sim.port, clientId: 137, db: dir + "/db.sqlite").write(
                toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            let started = ContinuousClock.now
            let collect = try CLIProcess.run(["collect-once", "--config", dir + "/c.yaml"], in: dir)
            let took = Self.seconds(since: started)
            #expect(collect.status == 3, "exit \(collect.status): \(collect.stdout) \(collect.stderr)")
            #expect(
                collect.stderr.contains("client id 137 is already in use by another program"), "\(collect.stderr)")
            #expect(!collect.stderr.contains("timed out"), "\(collect.stderr)")
            #expect(took < 20, "collect-once took \(took) s")

            // health probes with client_id + 100: 37 + 100 is the id held.
            try Self.yaml(port: sim.port, clientId: 37, db: dir + "/db.sqlite").write(
                toFile: dir + "/h.yaml", atomically: true, encoding: .utf8)
            let healthStarted = ContinuousClock.now
            let health = try CLIProcess.run(["health", "--config", dir + "/h.yaml"], in: dir)
            #expect(health.status == 2, "exit \(health.status): \(health.stdout) \(health.stderr)")
            #expect(health.stdout.contains("client id 137 is already in use by another program"), "\(health.stdout)")
            #expect(Self.seconds(since: healthStarted) < 20)
        }
    }

    @Test func probeReportsTheRefusalAsDownWithinSeconds() async throws {
        let db = try CLIProcess.temporaryDirectory("probe-refused") + "/db.sqlite"
        try await Self.holding(clientId: 142) { sim in
            let loaded = try ConfigLoader.load(
                text: Self.yaml(port: sim.port, clientId: 42, db: db), source: "probe.yaml")
            let started = ContinuousClock.now
            let report = await HealthChecker.probe(loaded, deep: false, logger: quiet)
            let took = Self.seconds(since: started)
            let gateway = try #require(report.checks.first { $0.name == "gateway" })
            #expect(report.status == .down && report.status.exitCode == 2)
            #expect(gateway.status == .down)
            #expect(gateway.detail.contains("client id 142 is already in use by another program"), "\(gateway.detail)")
            #expect(gateway.fix?.contains("gateway.client_id + 100") == true, "\(gateway.fix ?? "")")
            #expect(took < 20, "the probe took \(took) s")
        }
    }

    @Test func runKeepsServingAndItsHealthIsDownWithTheReason() async throws {
        let db = try CLIProcess.temporaryDirectory("run-refused") + "/db.sqlite"
        try await Self.holding(clientId: 151) { sim in
            var options = RuntimeOptions(
                loaded: try ConfigLoader.load(
                    text: Self.yaml(port: sim.port, clientId: 151, db: db), source: "run.yaml"),
                simulator: false)
            options.gatewayRefusalIsFatal = false
            let started = ContinuousClock.now
            try await OrchestratorRuntime.with(options, logger: quiet) { rt in
                #expect(Self.seconds(since: started) < 20)
                #expect(rt.client.refusal?.code == .clientIdInUse)
                let report = await HealthChecker.service(rt)
                let gateway = try #require(report.checks.first { $0.name == "gateway" })
                #expect(report.status == .down && gateway.status == .down)
                #expect(gateway.detail.contains("client id 151 is already in use by another program"))
            }
            // A one-shot command's runtime ends with the refusal instead.
            options.gatewayRefusalIsFatal = true
            do {
                try await OrchestratorRuntime.with(options, logger: quiet) { _ in
                    Issue.record("the runtime started beside a refusal")
                    return ()
                }
            } catch let error as GatewayRefusedError {
                #expect(error.description.contains("client id 151 is already in use by another program"))
            }
        }
    }
}
