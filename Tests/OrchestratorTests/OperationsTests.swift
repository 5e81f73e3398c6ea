import AppConfig
import Foundation
import GatewaySimulator
import Logging
import OptionsModel
import SnapshotStore
import TestSupport
import Testing
import Trading

@testable import Orchestrator

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A configuration pointing at a simulator on `port` with a store at `db`.
/// (The connect timeout is generous: a loaded machine running every suite at once can take seconds.)
func healthConfig(port: Int, db: String, symbols: String = "[IWM]", connectTimeout: Int = 60) throws -> LoadedConfig {
    try ConfigLoader.load(
        text: """
            gateway:
              port: \(port)
              connect_timeout_seconds: \(connectTimeout)
            collection:
              symbols: \(symbols)
            storage:
              path: \(db)
            """, source: "health.yaml")
}

func get(_ port: Int, _ path: String, method: String = "GET") async throws -> (Int, String) {
    var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
    request.httpMethod = method
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

@Suite(.serialized) struct OperationsTests {
    @Test func healthInEveryState() async throws {
        // Healthy: a collected store and a paper simulator serving live data.
        try await OrchestratorRuntime.with(try options(symbols: "[IWM]"), logger: quiet) { rt in
            let report = try await rt.collector.collectOnce()
            let sim = try #require(rt.simulator)
            let loaded = try healthConfig(port: sim.port, db: rt.store.path)
            let healthy = await HealthChecker.probe(loaded, deep: true, logger: quiet, now: report.timestamp)
            #expect(healthy.status == .ok, "\(healthy.checks.filter { $0.status != .ok })")
            #expect(
                healthy.checks.map(\.name).starts(with: [
                    "gateway", "accounts", "data farms", "market data", "option data",
                ]))
            #expect(healthy.checks.first { $0.name == "data IWM" }?.status == .ok)
        }
        // Down: nothing listens.
        let db = FileManager.default.temporaryDirectory.appendingPathComponent(
            "h-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        ).path
        let down = await HealthChecker.probe(try healthConfig(port: 1, db: db), deep: false, logger: quiet)
        #expect(down.status == .down && down.status.exitCode == 2)
        #expect(down.checks.first?.fix?.contains("Enable ActiveX and Socket Clients") == true)
        // A live account: degraded, with the paper-only explanation.
        try await SimulatorHarness.with({ $0.accounts = ["U7654321"] }) { sim in
            let live = await HealthChecker.probe(try healthConfig(port: sim.port, db: db), deep: false, logger: quiet)
            let accounts = try #require(live.checks.first { $0.name == "accounts" })
            #expect(accounts.status == .degraded && accounts.detail.contains("every order is refused"))
            #expect(live.status == .degraded && live.status.exitCode == 1)
        }
        // Delayed data where live was asked: degraded, explained.
        try await SimulatorHarness.with({ $0.marketData = .delayed }) { sim in
            let delayed = await HealthChecker.probe(try healthConfig(port: sim.port, db: db), deep: true, logger: quiet)
            let md = try #require(delayed.checks.first { $0.name == "market data" })
            #expect(md.status == .degraded && md.detail.contains("delayed data served"))
            #expect(delayed.checks.first { $0.name == "option data" }?.detail.contains("10167") == true)
        }
    }

    @Test func everyHTTPRouteAnswers() async throws {
        _ = TestMetrics.bootstrapped
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            _ = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            try await serving({ running in
                rt.httpApplication(host: "127.0.0.1", port: 0, logger: quiet) { await running($0) }
            }) { port in

                let (healthStatus, healthBody) = try await get(port, "/health")
                #expect(healthStatus == 200)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let health = try decoder.decode(HealthReport.self, from: Data(healthBody.utf8))
                #expect(health.source == "service" && health.checks.contains { $0.name == "breaker ib" })
                // `papertrader health` finds the running service through the same route.
                let viaCLI = await HealthChecker.fromRunningService(host: "127.0.0.1", port: port)
                #expect(viaCLI?.source == "service")

                let (metricsStatus, metrics) = try await get(port, "/metrics")
                #expect(metricsStatus == 200)
                try expectPrometheusText(metrics)
                expectHelpForEveryFamily(metrics)
                for name in [
                    "papertrader_cycle_duration_seconds_bucket", "papertrader_cycles_total",
                    "papertrader_contracts_written_total",
                    "tws_messages_in_total", "tws_messages_out_total", "papertrader_pacing_waits",
                    "papertrader_market_data_lines_in_use", "papertrader_breaker_state", "papertrader_positions_open",
                    "papertrader_pnl_realized_dollars", "papertrader_orders",
                ] {
                    #expect(metrics.contains(name), "missing \(name)")
                }

                let (portfolioStatus, portfolio) = try await get(port, "/api/portfolio")
                #expect(portfolioStatus == 200)
                let summary = try JSONDecoder().decode(PortfolioSummary.self, from: Data(portfolio.utf8))
                #expect(summary.openPositions == (try rt.store.positions(status: [.open]).count))
                let (positionsStatus, positions) = try await get(port, "/api/positions?status=open")
                #expect(positionsStatus == 200 && positions.hasPrefix("["))
                let (tradesStatus, trades) = try await get(port, "/api/trades?limit=5")
                #expect(tradesStatus == 200 && trades.contains("\"orders\""))
                let (chainStatus, chain) = try await get(port, "/api/chains/iwm/latest")
                #expect(chainStatus == 200 && chain.contains("\"options\""))
                let (cyclesStatus, cycles) = try await get(port, "/api/cycles?limit=1")
                #expect(cyclesStatus == 200 && cycles.contains("\"status\":\"ok\""))
                // The risk book and its scenarios, the same documents `report --risk --json` prints.
                let (riskStatus, risk) = try await get(port, "/api/risk")
                #expect(
                    riskStatus == 200 && risk.contains("\"book\"") && risk.contains("\"scenarios\""),
                    "\(risk.prefix(300))")
                let (scenarioStatus, scenarios) = try await get(port, "/api/risk/scenarios")
                #expect(
                    scenarioStatus == 200 && scenarios.contains("\"spotShifts\"") && scenarios.contains("\"grids\""))

                // The history routes over the same socket: what is stored, its bars and its IV.
                let (symbolsStatus, symbols) = try await get(port, "/api/symbols")
                #expect(symbolsStatus == 200 && symbols.contains("\"symbol\":\"IWM\""))
                let (barsStatus, bars) = try await get(port, "/api/bars/IWM")
                #expect(barsStatus == 200 && bars.contains("\"close\""))
                let (ivStatus, iv) = try await get(port, "/api/iv/IWM?days=30")
                #expect(ivStatus == 200 && iv.contains("\"atmIV\""))
                #expect(try await get(port, "/api/iv/IWM?days=0").0 == 400)
                #expect(try await get(port, "/api/bars/ZZZZ").0 == 404)

                #expect(try await get(port, "/nope").0 == 404)
                #expect(try await get(port, "/api/chains/ZZZZ/latest").0 == 404)
                #expect(try await get(port, "/api/chains/bad!sym/latest").0 == 400)
                #expect(try await get(port, "/api/cycles?limit=0").0 == 400)
                #expect(try await get(port, "/api/cycles?limit=abc").1.contains("limit must be an integer"))
                #expect(try await get(port, "/api/positions?status=weird").0 == 400)
                let (postStatus, postBody) = try await get(port, "/health", method: "POST")
                #expect(postStatus == 405 && postBody.contains("GET"), "\(postBody)")
                let (headStatus, headBody) = try await get(port, "/health", method: "HEAD")
                #expect(headStatus == 200 && headBody.isEmpty)
            }
        }
    }
}

@Suite struct LogTests {
    @Test func jsonLinesCarryLevelMessageAndMetadata() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "logs-\(UInt32.random(in: 0...UInt32.max))/papertrader.jsonl"
        ).path
        let sink = try LogSink.appending(to: path)
        var logger = Logger(label: "papertrader", factory: { JSONLogHandler(label: $0, level: .info, sink: sink) })
        logger[metadataKey: "run"] = "1"
        logger.info("cycle finished", metadata: ["cycle.id": "7", "cycle.status": "ok"])
        logger.debug("below the level")
        logger.error("order refused", metadata: ["order.ref": "pt-3-open-1"])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONDecoder().decode([String: String].self, from: Data(lines[0].utf8))
        #expect(first["level"] == "info" && first["message"] == "cycle finished" && first["cycle.id"] == "7")
        #expect(first["run"] == "1" && first["label"] == "papertrader" && first["time"]?.hasSuffix("Z") == true)
        let second = try JSONDecoder().decode([String: String].self, from: Data(lines[1].utf8))
        #expect(second["level"] == "error" && second["order.ref"] == "pt-3-open-1")
    }
}

/// Every line is a comment, blank, or `name{labels} value` with a numeric value.
func expectPrometheusText(_ text: String) throws {
    let sample = try Regex(
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$"#
    )
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") { continue }
        #expect(line.wholeMatch(of: sample) != nil, "not Prometheus text: \(line)")
    }
}

@Suite struct MemoryTrimTests {
    /// Resident anonymous memory of this process, from /proc (Linux).
    static func anonKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    @Test func freedHeapGoesBackToTheKernel() throws {
        #if os(Linux)
            // 64 MiB in blocks below glibc's mmap threshold, each followed by a small block kept alive
            // (above the thread cache's sizes), so that free() cannot coalesce them into the top of
            // the heap and hand them back by itself: only the trim can.
            var blocks: [UnsafeMutableRawPointer] = []
            var pins: [UnsafeMutableRawPointer] = []
            for _ in 0..<2048 {
                blocks.append(try #require(malloc(32 * 1024)))
                pins.append(try #require(malloc(2048)))
            }
            for block in blocks { memset(block, 1, 32 * 1024) }
            defer { for pin in pins { free(pin) } }
            let before = try Self.anonKiB()
            for block in blocks { free(block) }
            let started = ContinuousClock.now
            #expect(MemoryTrim.releaseFreedMemory())
            let took = ContinuousClock.now - started
            let after = try Self.anonKiB()
            print("MEMORY-TRIM released \((before - after) / 1024) MiB in \(took)")
            // A quarter of what was freed: other tests allocate in parallel.
            #expect(before - after > 16 * 1024, "RssAnon \(before) KiB -> \(after) KiB")
        #endif
    }
}
