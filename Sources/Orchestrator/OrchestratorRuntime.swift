import AppConfig
import Foundation
import GatewaySimulator
import Logging
import MarketData
import OptionsModel
import PolygonClient
import SnapshotStore
import TWSClient

/// How to start the orchestrator.
public struct RuntimeOptions: Sendable {
    public var loaded: LoadedConfig
    /// Start the built-in gateway simulator in-process and connect to it.
    public var simulator: Bool
    /// The simulator's start time (default: the latest regular session open).
    public var simulatorStart: Date?
    /// Simulated seconds per real second (simulator mode).
    public var clockSpeed: Double

    public init(loaded: LoadedConfig, simulator: Bool, simulatorStart: Date? = nil, clockSpeed: Double = 1) {
        self.loaded = loaded
        self.simulator = simulator
        self.simulatorStart = simulatorStart
        self.clockSpeed = clockSpeed
    }
}

/// The wired services of one orchestrator run.
public struct Runtime: Sendable {
    public let collector: DataCollector
    public let client: TWSClient
    public let store: SQLiteStore
    public let fetcher: OptionDataFetcher
    public let simulator: GatewaySimulator?
    /// Simulated seconds per real second (1 against a real gateway).
    public let speed: Double
}

/// Builds the services from the configuration and runs them for the duration of `body`.
public enum OrchestratorRuntime {
    public static func with<R: Sendable>(
        _ options: RuntimeOptions, logger: Logger, _ body: @Sendable (Runtime) async throws -> R
    ) async throws -> R {
        let config = options.loaded.config
        var started: GatewaySimulator?
        if options.simulator {
            var sim = GatewaySimulator.Configuration()
            sim.port = 0
            sim.start = options.simulatorStart ?? MarketCalendar().latestSessionOpen(atOrBefore: Date())
            sim.clockSpeed = options.clockSpeed
            sim.extraSymbols = config.collection.symbols.filter { !["SPY", "QQQ", "IWM"].contains($0) }
            started = try await GatewaySimulator.start(sim, logger: logger)
        }
        let simulator = started
        var client = TWSClientConfiguration()
        client.host = options.simulator ? "127.0.0.1" : config.gateway.host
        client.port = simulator?.port ?? config.gateway.port
        client.clientId = config.gateway.clientId
        client.connectTimeout = .milliseconds(Int(config.gateway.connectTimeoutSeconds * 1000))
        client.handshakeTimeout = client.connectTimeout
        client.requestTimeout = .milliseconds(Int(config.gateway.requestTimeoutSeconds * 1000))
        client.maxMessagesPerSecond = config.gateway.maxMessagesPerSecond
        client.maxMarketDataLines = config.gateway.maxMarketDataLines
        client.marketDataType = config.gateway.marketDataType
        client.reconnectInitialBackoff = .milliseconds(Int(config.gateway.reconnectInitialBackoffSeconds * 1000))
        client.reconnectMaxBackoff = .milliseconds(Int(config.gateway.reconnectMaxBackoffSeconds * 1000))
        client.captureFile = config.gateway.captureFile
        let tws = TWSClient(configuration: client, logger: logger)
        let store = try SQLiteStore(path: config.storage.path)
        var polygon: PolygonProvider?
        if config.polygon.enabled, let key = options.loaded.polygonAPIKey,
            let base = URL(string: config.polygon.baseURL)
        {
            let polygonClient = PolygonClient(
                configuration: PolygonClientConfiguration(
                    baseURL: base, requestsPerMinute: config.polygon.requestsPerMinute,
                    timeout: .milliseconds(Int(config.polygon.timeoutSeconds * 1000))),
                apiKey: key.value, logger: logger)
            polygon = PolygonProvider(client: polygonClient, staleAfter: config.strategy.maxQuoteAgeSeconds)
        }
        let fetcher = OptionDataFetcher(
            primary: IBProvider(client: tws, source: options.simulator ? .simulator : .ib, logger: logger),
            fallback: polygon, store: store,
            failureThreshold: config.circuitBreaker.failureThreshold,
            resetTimeout: .milliseconds(Int(config.circuitBreaker.resetTimeoutSeconds * 1000)), logger: logger)
        let c = config.collection
        let settings = CollectorSettings(
            symbols: c.symbols, intervalSeconds: c.intervalSeconds,
            request: ChainRequest(
                symbol: "", dteMin: c.dteMin, dteMax: c.dteMax, maxExpiries: c.maxExpiries,
                strikeRangePct: c.strikeRangePct,
                snapshotTimeout: .milliseconds(Int(c.snapshotTimeoutSeconds * 1000)),
                greeksGrace: .milliseconds(Int(c.greeksTimeoutSeconds * 1000)),
                openInterestTimeout: .milliseconds(Int(c.openInterestTimeoutSeconds * 1000))),
            openInterest: c.openInterest, hoursStart: minutes(c.hoursStart) ?? 570,
            hoursEnd: minutes(c.hoursEnd) ?? 960,
            weekdaysOnly: c.weekdaysOnly, skipHolidays: c.skipHolidays, lines: config.gateway.maxMarketDataLines,
            messagesPerSecond: config.gateway.maxMessagesPerSecond)
        // Market time is the gateway's clock, re-read each cycle; without a gateway, the system clock.
        let marketTime: @Sendable () async -> Date = {
            if tws.connectionInfo != nil, let time = try? await tws.currentTime() { return time }
            return simulator?.now ?? Date()
        }
        let collector = DataCollector(
            fetcher: fetcher, store: store, settings: settings, marketTime: marketTime, logger: logger)
        let runtime = Runtime(
            collector: collector, client: tws, store: store, fetcher: fetcher, simulator: simulator,
            speed: options.simulator ? options.clockSpeed : 1)
        do {
            let result = try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    try? await tws.run()
                    return nil
                }
                defer { group.cancelAll() }
                // Without a gateway the fallback serves; don't wait forever for one.
                _ = try? await tws.waitUntilReady(timeout: client.connectTimeout + client.handshakeTimeout)
                let result = try await body(runtime)
                group.cancelAll()
                return result
            }
            await simulator?.shutdown()
            return result
        } catch {
            await simulator?.shutdown()
            throw error
        }
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
    }
}
