import AppConfig
import Foundation
import GatewaySimulator
import Hummingbird
import Logging
import MarketData
import OptionsModel
import PolygonClient
import SnapshotStore
import TWSClient
import Trading

/// How to start the orchestrator.
public struct RuntimeOptions: Sendable {
    public var loaded: LoadedConfig
    /// Start the built-in gateway simulator in-process and connect to it.
    public var simulator: Bool
    /// The simulator's start time (default: the latest regular session open).
    public var simulatorStart: Date?
    /// Simulated seconds per real second (simulator mode).
    public var clockSpeed: Double
    /// The simulator's managed accounts (tests use a live-looking id to prove the paper-only rule).
    public var simulatorAccounts: [String]?
    /// Take the store's trader lease for the run (`run` does; collect-once and tests do not): a
    /// second trader on the same store refuses to start, naming the holder's pid.
    public var exclusiveTrader = false
    /// Whether the gateway's refusal of this client (client id in use, unsupported version) ends
    /// `with` at once with that error, as one-shot commands need. `run` keeps serving from the
    /// fallback instead, and its health verdict says `down` with the reason.
    public var gatewayRefusalIsFatal = true

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
    public let trader: TradingEngine
    /// Whether the kill switch (`risk.kill_switch_file`) is on now.
    public let killSwitchOn: @Sendable () -> Bool
    /// Contracts planned and fetched by the IB provider (progress displays).
    public let progress: CollectionProgress
    /// The validated configuration this runtime was built from.
    public let config: PaperTraderConfig
    /// Market time: the gateway's clock, or the system clock without one.
    public let marketTime: @Sendable () async -> Date
    /// Simulated seconds per real second (1 against a real gateway).
    public let speed: Double
    /// Market time without a gateway round trip (for `/health`).
    public let marketClock: MarketClockEstimate
    /// The bearer token of the HTTP control routes (`http.token_env`); nil: they answer 403.
    public let controlToken: Secret?
    /// The alert receivers (`alerts.webhooks`, URLs resolved); empty: no alert service.
    public var webhooks: [ResolvedWebhook] = []
}

extension Runtime {
    /// Breaker state per provider (`closed`, `open`, `half_open`).
    public typealias BreakerStates = [String: String]

    /// Each provider's breaker state now.
    public var breakerStates: BreakerStates { fetcher.breakers.mapValues(\.currentState.rawValue) }

    /// The HTTP endpoint (`/health`, `/metrics`, `/api/...`) as a Hummingbird application on
    /// `host:port` (0 = any free port), to run as a `Service`; `onServerRunning` gets the bound port.
    public func httpApplication(
        host: String, port: Int, endpoint: HTTPEndpoint = HTTPEndpoint(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<RouterResponder<BasicRequestContext>> {
        endpoint.application(
            router: ServiceAPI.router(self), host: host, port: port, logger: logger, onServerRunning: onServerRunning)
    }
}

/// The gateway refused this program for good: what happened and what to do, in words.
public struct GatewayRefusedError: Error, Sendable, CustomStringConvertible {
    /// The client's error, whose message is the explanation.
    public let refusal: TWSClientError

    /// The explanation, as the command line prints it.
    public var description: String { "the gateway refused the connection: \(refusal.message)" }
}

/// Builds the services from the configuration and runs them for the duration of `body`.
public enum OrchestratorRuntime {
    public static func with<R: Sendable>(
        _ options: RuntimeOptions, logger: Logger, _ body: @Sendable (Runtime) async throws -> R
    ) async throws -> R {
        // Before anything computes a session or a slot: without New York's zone every time would be wrong.
        try MarketCalendar.checkTimeZoneDatabase()
        let config = options.loaded.config
        // Held until this function returns: the kernel drops it if the process dies.
        let lease = options.exclusiveTrader ? try StoreLease.acquire(databasePath: config.storage.path) : nil
        defer { withExtendedLifetime(lease) {} }
        var started: GatewaySimulator?
        if options.simulator {
            var sim = GatewaySimulator.Configuration()
            sim.port = 0
            sim.start = options.simulatorStart ?? MarketCalendar().latestSessionOpen(atOrBefore: Date())
            sim.clockSpeed = options.clockSpeed
            if let accounts = options.simulatorAccounts { sim.accounts = accounts }
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
        let progress = CollectionProgress()
        let fetcher = OptionDataFetcher(
            primary: IBProvider(
                client: tws, source: options.simulator ? .simulator : .ib, logger: logger, progress: progress),
            fallback: polygon, store: store,
            failureThreshold: config.circuitBreaker.failureThreshold,
            resetTimeout: .milliseconds(Int(config.circuitBreaker.resetTimeoutSeconds * 1000)),
            barCount: barCount(config), logger: logger)
        let settings = collectorSettings(config)
        // Market time is the gateway's clock, re-read each cycle; without a gateway, the system clock.
        let marketClock = MarketClockEstimate()
        let marketTime: @Sendable () async -> Date = {
            let time: Date
            if tws.connectionInfo != nil, let gateway = try? await tws.currentTime() {
                time = gateway
            } else {
                time = simulator?.now ?? Date()
            }
            marketClock.record(time)
            return time
        }
        let collector = DataCollector(
            fetcher: fetcher, store: store, settings: settings, marketTime: marketTime, logger: logger,
            heldContracts: { symbol in
                // Read from the journal each cycle; an unreadable journal fails the cycle's store writes too.
                let held = (try? store.positions(status: [.opening, .open, .closing])) ?? []
                return held.filter { $0.symbol == symbol }.flatMap { $0.legs.map(\.contract) }
            })
        // An external `gateway-sim --clock-speed X` needs the same speed here (the CLI passes 1 otherwise).
        let speed = options.clockSpeed
        let venue: any ExecutionVenue =
            config.execution.venue == "simulated"
            ? SimulatedVenue() : IBPaperVenue(client: tws, speed: speed, logger: logger)
        let trader = TradingEngine(
            journal: store, venue: venue, settings: traderSettings(config), prices: store, logger: logger)
        let killSwitchFile = config.risk.killSwitchFile
        var runtime = Runtime(
            collector: collector, client: tws, store: store, fetcher: fetcher, simulator: simulator, trader: trader,
            killSwitchOn: { !killSwitchFile.isEmpty && KillSwitch(path: killSwitchFile).isOn },
            progress: progress, config: config, marketTime: marketTime, speed: speed, marketClock: marketClock,
            controlToken: options.loaded.httpToken)
        runtime.webhooks = options.loaded.webhooks
        do {
            let result = try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    do {
                        try await tws.run()
                    } catch let refusal as TWSClientError where refusal.isConnectionFatal {
                        // Logged by the client; the wait below and `Health.service` carry it to the user.
                    }
                    return nil
                }
                group.addTask {
                    // Connection-level events: counted by IB code for /metrics and logged.
                    for await event in tws.events {
                        switch event {
                        case .error(let code, let message, _):
                            ServiceMetrics.recordIBCode(code)
                            logger.warning(
                                "gateway error", metadata: ["tws.code": "\(code)", "tws.message": "\(message)"])
                        case .farm(let name, let ok, let code):
                            ServiceMetrics.recordIBCode(code)
                            logger.info("data farm \(ok ? "OK" : "broken")", metadata: ["tws.farm": "\(name)"])
                        case .connectivityLost:
                            let code = event.ibCode.map(String.init) ?? "-"
                            if let ib = event.ibCode { ServiceMetrics.recordIBCode(ib) }
                            logger.warning("gateway lost connectivity to IB (\(code))")
                        case .competingSession:
                            let code = event.ibCode.map(String.init) ?? "-"
                            if let ib = event.ibCode { ServiceMetrics.recordIBCode(ib) }
                            logger.warning("competing session (\(code)): market data is served elsewhere")
                        case .disconnected(let reason):
                            logger.warning("disconnected", metadata: ["tws.reason": "\(reason)"])
                        default: break
                        }
                    }
                    return nil
                }
                defer { group.cancelAll() }
                do {
                    _ = try await tws.waitUntilReady(timeout: client.connectTimeout + client.handshakeTimeout)
                } catch let refusal as TWSClientError where refusal.isConnectionFatal {
                    if options.gatewayRefusalIsFatal { throw GatewayRefusedError(refusal: refusal) }
                } catch let error as TWSClientError where error.isRetryable {
                    // Without a gateway the fallback serves, and the client keeps reconnecting.
                    logger.warning("no gateway connection yet", metadata: ["tws.error": "\(error)"])
                }
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

    /// The trader's rules from the `strategy:`, `risk:` and `execution:` sections.
    public static func traderSettings(_ config: PaperTraderConfig) -> TradingSettings {
        let st = config.strategy
        var t = TradingSettings()
        t.strategy.minIVRank = st.minIVRank
        t.strategy.vixMin = st.vixMin
        t.strategy.vixMax = st.vixMax
        t.strategy.enabled = Set(
            [
                st.bullPutSpread ? StructureKind.bullPutSpread : nil, st.bearCallSpread ? .bearCallSpread : nil,
                st.ironCondor ? .ironCondor : nil,
            ].compactMap { $0 })
        t.strategy.targetDTE = st.targetDTE
        t.strategy.dteWindow = st.dteWindowMin...max(st.dteWindowMin, st.dteWindowMax)
        t.strategy.shortDelta = st.shortDeltaMin...max(st.shortDeltaMin, st.shortDeltaMax)
        t.strategy.shortDeltaTarget = st.shortDeltaTarget
        t.strategy.spreadWidth = st.longStrikeMode == "delta" ? nil : st.spreadWidth
        t.strategy.longDelta = st.longDelta
        t.strategy.minCreditFraction = st.minCreditFraction
        t.strategy.maxSpreadPctOfMid = st.maxSpreadPctOfMid
        t.strategy.minOpenInterest = st.minOpenInterest
        t.strategy.allowDelayedData = st.allowDelayedData
        t.strategy.quantity = st.quantity
        t.strategy.unknownIVRank = StrategyRules.UnknownIVRank(rawValue: st.ivRankUntilHistory) ?? .refuse
        t.exits.takeProfitPct = st.takeProfitPct
        t.exits.stopLossMultiple = st.stopLossMultiple
        t.exits.exitDTE = st.exitDTE
        t.exits.shortDeltaExit = st.shortDeltaExit
        t.exits.closeBeforeExpiryDays = st.closeBeforeExpiryDays
        t.exits.closeBeforeExDividend = st.closeBeforeExDividend
        t.exits.pinRiskExpectedMoves = st.pinRiskExpectedMoves
        t.strategy.refuseShortCallsOverExDividend = st.refuseShortCallsOverExDividend
        let r = config.risk
        t.limits.maxOpenPositions = r.maxOpenPositions
        t.limits.maxPositionsPerSymbol = r.maxPositionsPerSymbol
        t.limits.maxRiskPerTrade = r.maxRiskPerTrade
        t.limits.maxTotalRisk = r.maxTotalRisk
        t.limits.maxNewPositionsPerDay = r.maxNewPositionsPerDay
        t.limits.dailyLossLimit = r.dailyLossLimit
        let start = minutes(r.tradingWindowStart) ?? 585
        t.limits.tradingWindow = start...max(start, minutes(r.tradingWindowEnd) ?? 945)
        t.limits.noEntryMinutesBeforeClose = r.noEntryMinutesBeforeClose
        t.limits.allowOverlappingPositions = r.allowOverlappingPositions
        let exitStart = minutes(r.exitWindowStart) ?? start
        t.exits.window = exitStart...max(exitStart, minutes(r.exitWindowEnd) ?? t.limits.tradingWindow.upperBound)
        t.flattenOnKill = r.flattenOnKill
        t.limits.minPOP = r.minPOP
        t.limits.betaWeightedDeltaBand = r.betaWeightedDeltaMin...max(r.betaWeightedDeltaMin, r.betaWeightedDeltaMax)
        t.limits.maxVega = r.maxVega
        t.limits.maxNegativeGamma = r.maxNegativeGamma
        t.limits.netLiquidationAtRisk = VIXBand.parseTable(r.maxNLVAtRiskByVIX) ?? t.limits.netLiquidationAtRisk
        t.limits.marginReserve = r.marginReserve
        t.model.betaLookbackDays = r.betaLookbackDays
        t.model.horizonDays = r.scenarioHorizonDays
        t.startingCash = config.execution.startingCash
        let e = config.execution
        t.pricing.limitOffset = e.limitOffset
        t.pricing.repriceAfterSeconds = e.repriceAfterSeconds
        t.pricing.maxReprices = e.maxReprices
        t.pricing.repriceStep = e.repriceStep
        t.pricing.cancelUnfilledAfterSeconds = e.cancelUnfilledAfterSeconds
        t.pricing.slippage = e.slippage
        t.pricing.commissionPerContract = e.commissionPerContract
        return t
    }

    /// How the collector collects, from the `collection:` and `gateway:` sections (and what the
    /// strategy needs from every chain).
    public static func collectorSettings(_ config: PaperTraderConfig) -> CollectorSettings {
        let c = config.collection
        return CollectorSettings(
            symbols: c.symbols, intervalSeconds: c.intervalSeconds,
            request: ChainRequest(
                symbol: "", dteMin: c.dteMin, dteMax: c.dteMax, maxExpiries: c.maxExpiries,
                strikeRangePct: c.strikeRangePct,
                snapshotTimeout: .milliseconds(Int(c.snapshotTimeoutSeconds * 1000)),
                greeksGrace: .milliseconds(Int(c.greeksTimeoutSeconds * 1000)),
                openInterestTimeout: .milliseconds(Int(c.openInterestTimeoutSeconds * 1000)),
                strategy: traderSettings(config).strategy.needs),
            openInterest: c.openInterest, hoursStart: minutes(c.hoursStart) ?? 570,
            hoursEnd: minutes(c.hoursEnd) ?? 960,
            weekdaysOnly: c.weekdaysOnly, skipHolidays: c.skipHolidays, lines: config.gateway.maxMarketDataLines,
            messagesPerSecond: config.gateway.maxMessagesPerSecond)
    }

    /// Daily bars the fetcher asks for (`collection.bar_duration`).
    public static func barCount(_ config: PaperTraderConfig) -> Int {
        tradingDays(inDuration: config.collection.barDuration) ?? 60
    }

    /// Trading days in an IB duration (`200 D`, `52 W`, `12 M`, `1 Y`); nil when it does not parse.
    public static func tradingDays(inDuration text: String) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        switch parts[1] {
        case "D": return n
        case "W": return n * 5
        case "M": return n * 21
        case "Y": return n * 252
        default: return nil
        }
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
    }
}
