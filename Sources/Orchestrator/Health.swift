import AppConfig
import Foundation
import Logging
import MarketData
import OptionsModel
import PolygonClient
import SnapshotStore
import TWSClient
import Trading

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A verdict: `ok` exits 0, `degraded` 1, `down` 2.
public enum HealthStatus: String, Sendable, Codable, Comparable {
    case ok, degraded, down

    public static func < (a: HealthStatus, b: HealthStatus) -> Bool { a.rank < b.rank }
    var rank: Int { self == .ok ? 0 : self == .degraded ? 1 : 2 }
    /// The process exit code for this verdict.
    public var exitCode: Int32 { Int32(rank) }
}

/// One check: what was looked at, what was found, and how to fix it.
public struct HealthCheck: Sendable, Codable, Equatable {
    public var name: String
    public var status: HealthStatus
    public var detail: String
    public var fix: String?

    public init(_ name: String, _ status: HealthStatus, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// The whole health verdict (the JSON of `health --json` and `GET /health`).
public struct HealthReport: Sendable, Codable, Equatable {
    public var status: HealthStatus
    /// `probe` (health connected itself) or `service` (a running `run` answered).
    public var source: String
    public var checkedAt: Date
    public var checks: [HealthCheck]

    public init(source: String, checkedAt: Date, checks: [HealthCheck]) {
        self.status = checks.map(\.status).max() ?? .ok
        self.source = source
        self.checkedAt = checkedAt
        self.checks = checks
    }
}

/// Builds health reports: by probing (`papertrader health` without a running service) or from a
/// running service's live objects (`GET /health`).
public enum HealthChecker {
    // MARK: Probe

    /// Connects with a spare client id, runs every check, disconnects. `deep` adds a stock and an
    /// option snapshot and a Polygon call.
    public static func probe(_ loaded: LoadedConfig, deep: Bool, logger: Logger, now: Date = Date()) async
        -> HealthReport
    {
        let config = loaded.config
        var client = TWSClientConfiguration()
        client.host = config.gateway.host
        client.port = config.gateway.port
        // Beside a running service on the same gateway: never take its client id.
        client.clientId = config.gateway.clientId + 100
        client.connectTimeout = .milliseconds(Int(config.gateway.connectTimeoutSeconds * 1000))
        client.handshakeTimeout = client.connectTimeout
        client.requestTimeout = .seconds(15)
        client.marketDataType = config.gateway.marketDataType
        client.reconnectInitialBackoff = .seconds(3600)
        let tws = TWSClient(configuration: client, logger: logger)
        let checks = await withTaskGroup(of: [HealthCheck].self) { group in
            group.addTask {
                do {
                    try await tws.run()
                } catch let refusal as TWSClientError where refusal.isConnectionFatal {
                    // The wait below fails with the same refusal and turns it into the gateway check.
                } catch {
                    // Only cancellation is left: the probe is done.
                }
                return []
            }
            var checks: [HealthCheck] = []
            let started = ContinuousClock.now
            do {
                let info = try await tws.waitUntilReady(timeout: client.connectTimeout)
                // Farm notices arrive right after the handshake.
                try? await Task.sleep(for: .milliseconds(300))
                checks += gatewayChecks(tws, info: info, host: "\(client.host):\(client.port)", elapsed: started)
                if deep, let symbol = config.collection.symbols.first {
                    checks += await deepChecks(tws, symbol: symbol, wanted: config.gateway.marketDataType)
                }
            } catch let refusal as TWSClientError where refusal.isConnectionFatal {
                checks.append(
                    refusalCheck(
                        refusal, host: "\(client.host):\(client.port)",
                        probe:
                            "health probes with client id \(client.clientId) (gateway.client_id + 100) so that it never takes a running service's id"
                    ))
            } catch {
                checks.append(
                    HealthCheck(
                        "gateway", .down, "cannot reach \(client.host):\(client.port): \(error)",
                        fix:
                            "start IB Gateway or TWS logged in to the paper account; enable API > Settings > 'Enable ActiveX and Socket Clients'; check gateway.host/port (paper: 4002 Gateway, 7497 TWS)"
                    ))
            }
            group.cancelAll()
            return checks
        }
        var all = checks
        all += storeChecks(
            path: config.storage.path, symbols: config.collection.symbols,
            interval: config.collection.intervalSeconds, now: now, deep: deep)
        all.append(await polygonCheck(loaded, deep: deep, logger: logger))
        return HealthReport(source: "probe", checkedAt: now, checks: all)
    }

    /// The gateway check when the gateway refused this program for good: down, with what to do.
    static func refusalCheck(_ refusal: TWSClientError, host: String, probe: String? = nil) -> HealthCheck {
        let fix: String
        switch refusal.code {
        case .clientIdInUse:
            fix =
                "close the other program using that client id, or choose an unused gateway.client_id"
                + (probe.map { "; \($0)" } ?? "")
        case .serverVersionUnsupported: fix = "upgrade IB Gateway or TWS to a version this program speaks"
        default: fix = "read the gateway's API log for why it refused the connection"
        }
        return HealthCheck("gateway", .down, "\(host) refused this program: \(refusal.message)", fix: fix)
    }

    static func gatewayChecks(
        _ tws: TWSClient, info: TWSConnectionInfo, host: String, elapsed started: ContinuousClock.Instant
    ) -> [HealthCheck] {
        let ms = (ContinuousClock.now - started).components
        let millis = ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000
        var checks = [
            HealthCheck(
                "gateway", .ok,
                "connected to \(host): server version \(info.serverVersion), gateway time \(info.connectionTime), handshake \(millis) ms"
            )
        ]
        checks.append(
            info.allAccountsArePaper
                ? HealthCheck("accounts", .ok, "paper accounts: \(info.accounts.joined(separator: ", "))")
                : HealthCheck(
                    "accounts", .degraded,
                    "managed accounts \(info.accounts.joined(separator: ", ")) are not all paper accounts (paper ids begin with D): collection works, every order is refused",
                    fix: "log the gateway in with the paper-trading user; this program never trades a live account"))
        let status = tws.status
        let broken = status.farms.filter { !$0.value }.map(\.key).sorted()
        if !broken.isEmpty {
            checks.append(
                HealthCheck(
                    "data farms", .degraded, "broken: \(broken.joined(separator: ", ")) (2103/2105)",
                    fix: "IB's farm connection is down; it usually recovers by itself (2104/2106 follow)"))
        } else {
            let ok = status.farms.keys.sorted()
            checks.append(
                HealthCheck(
                    "data farms", .ok, ok.isEmpty ? "no farm status reported" : "OK: \(ok.joined(separator: ", "))"))
        }
        if status.competingSession {
            checks.append(
                HealthCheck(
                    "session", .degraded, "another session holds the market data (10197): data is not served here",
                    fix: "log out the other TWS/IB Gateway or mobile session of this user"))
        }
        if status.connectivityLost {
            checks.append(
                HealthCheck(
                    "connectivity", .degraded, "the gateway lost its connection to IB (1100)",
                    fix: "wait for 1101/1102; check the gateway host's network"))
        }
        return checks
    }

    /// The market data type actually served (a stock snapshot) and option permissions (one option).
    static func deepChecks(_ tws: TWSClient, symbol: String, wanted: MarketDataType) async -> [HealthCheck] {
        var checks: [HealthCheck] = []
        let stock = TWSInstrument.stock(symbol)
        var spot: Double?
        do {
            let snap = try await tws.snapshot(stock, timeout: .seconds(11))
            spot = snap.last ?? snap.bid.flatMap { b in snap.ask.map { (b + $0) / 2 } } ?? snap.close
            let served = snap.delayed || snap.marketDataType >= 3
            if served && wanted == .live {
                checks.append(
                    HealthCheck(
                        "market data", .degraded,
                        "\(symbol): delayed data served (type \(snap.marketDataType)) though live was asked: quotes are 15-20 minutes old",
                        fix:
                            "subscribe to the exchange bundles (e.g. US Securities Snapshot and Options) for the paper user, or set gateway.market_data_type: delayed and strategy.allow_delayed_data knowingly"
                    ))
            } else {
                checks.append(
                    HealthCheck(
                        "market data", .ok,
                        "\(symbol): \(served ? "delayed" : "live") data (type \(snap.marketDataType))"))
            }
        } catch {
            checks.append(HealthCheck("market data", .degraded, "\(symbol) snapshot failed: \(explain(error))"))
        }
        do {
            let found = try await tws.conId(of: stock)
            guard let conId = found, let spot else {
                throw TWSClientError(.requestFailed, "no contract id or price for \(symbol)")
            }
            let params = try await tws.optionChainParameters(symbol: symbol, conId: conId)
            // The gateway's day, not this machine's: expiries are listed relative to it.
            let today = MarketCalendar().tradingDay(of: (try? await tws.currentTime()) ?? Date()).yyyymmdd
            guard let row = params.first(where: { $0.exchange == "SMART" }) ?? params.first,
                let expiry = row.expirations.sorted().first(where: { $0 > today }),
                let strike = row.strikes.min(by: { abs($0 - spot) < abs($1 - spot) }),
                let day = Expiry(expiry)
            else { throw TWSClientError(.requestFailed, "no option parameters for \(symbol)") }
            let option = OptionContract(
                symbol: symbol, expiry: day, strike: strike, right: .call, multiplier: Int(row.multiplier) ?? 100,
                tradingClass: row.tradingClass)
            let snap = try await tws.snapshot(.option(option), timeout: .seconds(11), expected: [.bid, .ask])
            if let warning = snap.permissionWarning {
                checks.append(HealthCheck("option data", .degraded, warning))
            } else if snap.bid == nil && snap.ask == nil {
                checks.append(
                    HealthCheck(
                        "option data", .degraded, "\(symbol) \(expiry) \(strike.formatted2) C: no quotes",
                        fix: "check the OPRA subscription of the paper user"))
            } else {
                checks.append(HealthCheck("option data", .ok, "\(symbol) \(expiry) \(strike.formatted2) C quoted"))
            }
        } catch {
            checks.append(HealthCheck("option data", .degraded, "option probe failed: \(explain(error))"))
        }
        return checks
    }

    static func explain(_ error: any Error) -> String {
        if let e = error as? TWSClientError, let text = e.permissionExplanation { return text }
        return "\(error)"
    }

    /// Store readable, schema version, rows, and the last cycle of each symbol against the interval;
    /// `deep` adds SQLite's full `PRAGMA integrity_check`. The advice follows what is actually wrong.
    /// `open` is the service's own store (no new connection per `/health`).
    static func storeChecks(
        path: String, symbols: [String], interval: Int, now: Date, deep: Bool = false, open: SQLiteStore? = nil
    ) -> [HealthCheck] {
        guard FileManager.default.fileExists(atPath: path) else {
            return [
                HealthCheck(
                    "store", .degraded, "no database at \(path) yet",
                    fix: "run `papertrader collect-once` (or `run`) once to create it; check storage.path")
            ]
        }
        do {
            let store = try open ?? SQLiteStore(path: path, readOnly: true)
            let stats = try store.stats()
            var checks = [
                HealthCheck(
                    "store", .ok,
                    "\(path): schema \(stats.schemaVersion), \(stats.optionRows) option rows, \(stats.cycles) cycles")
            ]
            if deep {
                let problems = try store.integrityProblems()
                checks.append(
                    problems.isEmpty
                        ? HealthCheck("store integrity", .ok, "PRAGMA integrity_check: ok")
                        : HealthCheck(
                            "store integrity", .down,
                            StoreDamagedError(path: path, findings: problems).findingsSummary,
                            fix: StoreDamagedError.advice))
            }
            let latest = try store.latestCyclePerSymbol()
            for symbol in symbols {
                guard let last = latest[symbol] else {
                    checks.append(HealthCheck("data \(symbol)", .degraded, "never collected"))
                    continue
                }
                let age = now.timeIntervalSince(last.timestamp)
                let stale = age > Double(interval) * 3 && MarketCalendar().isRegularSession(now)
                checks.append(
                    HealthCheck(
                        "data \(symbol)", stale ? .degraded : .ok,
                        "last cycle \(last.cycleID) at \(ISOTime.string(last.timestamp)) (\(Int(age)) s ago)",
                        fix: stale
                            ? "is `papertrader run` running? collection hours: collection.hours.start/end" : nil)
                )
            }
            return checks
        } catch let error as StoreDamagedError {
            return [HealthCheck("store", .down, error.findingsSummary, fix: StoreDamagedError.advice)]
        } catch  where SQLiteStore.isCorruption(error) {
            return [
                HealthCheck(
                    "store", .down, StoreDamagedError(path: path, findings: ["\(error)"]).findingsSummary,
                    fix: StoreDamagedError.advice)
            ]
        } catch {
            return [
                HealthCheck(
                    "store", .degraded, "\(error)",
                    fix: "check that \(path) is readable by this user and is a papertrader database (storage.path)")
            ]
        }
    }

    /// Polygon key present (and, with `deep`, accepted by one cheap call).
    static func polygonCheck(_ loaded: LoadedConfig, deep: Bool, logger: Logger) async -> HealthCheck {
        let p = loaded.config.polygon
        guard p.enabled else { return HealthCheck("polygon", .ok, "disabled (no fallback source)") }
        guard let key = loaded.polygonAPIKey else {
            return HealthCheck(
                "polygon", .degraded, "enabled but \(p.apiKeyEnv) is not set: no fallback when IB fails",
                fix: "export \(p.apiKeyEnv)=... (the key is read from the environment only)")
        }
        guard deep, let base = URL(string: p.baseURL) else {
            return HealthCheck("polygon", .ok, "key present (\(key.redacted))")
        }
        let client = PolygonClient(
            configuration: PolygonClientConfiguration(
                baseURL: base, requestsPerMinute: p.requestsPerMinute, timeout: .seconds(10)),
            apiKey: key.value, logger: logger)
        do {
            _ = try await client.previousClose("SPY")
            return HealthCheck("polygon", .ok, "key \(key.redacted) accepted")
        } catch {
            return HealthCheck("polygon", .degraded, "\(error)")
        }
    }

    // MARK: Running service

    /// The running service's report from its `GET /health`, or nil when no service answers.
    public static func fromRunningService(host: String, port: Int) async -> HealthReport? {
        if case .report(let report) = await askRunningService(host: host, port: port) { return report }
        return nil
    }

    /// What a running `run` says, or why a probe is the right answer (or cannot be): `health` probes
    /// the gateway itself only when no `run` is there. A `run` that holds the store but whose endpoint
    /// is off or silent is reported as such, never replaced by a probe of a gateway it may not use
    /// (`--simulator`) and whose lines it holds.
    public static func runningServiceView(http: HTTPConfig, databasePath: String) async -> HealthReport? {
        var answer = RunningServiceAnswer.absent
        if http.enabled { answer = await askRunningService(host: http.host, port: http.port) }
        switch answer {
        case .report(let report):
            return report
        case .silent(let why):
            return HealthReport(
                source: "service", checkedAt: Date(),
                checks: [
                    HealthCheck(
                        "service", .degraded,
                        "a papertrader run listens on \(http.host):\(http.port) but /health did not answer: \(why)",
                        fix:
                            "look at the run's log; /health answers from state, so a silent endpoint means the process is stuck or overloaded"
                    )
                ])
        case .absent:
            do {
                _ = try StoreLease.acquire(databasePath: databasePath)
                return nil  // no run holds the store: a probe tells the truth
            } catch {
                guard error.holder != nil else { return nil }
                return HealthReport(
                    source: "service", checkedAt: Date(),
                    checks: [
                        HealthCheck(
                            "service", .degraded,
                            "papertrader run\(error.holder.map { " (pid \($0))" } ?? "") trades on \(databasePath) but its HTTP endpoint is \(http.enabled ? "not reachable at \(http.host):\(http.port)" : "off (http.enabled: false)"): its health cannot be read, and a probe of the gateway would not be its view",
                            fix: "set http.enabled: true for that run (and the same http.host/http.port here)")
                    ])
            }
        }
    }

    enum RunningServiceAnswer {
        case report(HealthReport)
        /// Nothing listens there.
        case absent
        /// Something listens but did not answer in time, or answered something else.
        case silent(String)
    }

    static func askRunningService(host: String, port: Int) async -> RunningServiceAnswer {
        guard let url = URL(string: "http://\(host):\(port)/health") else { return .absent }
        var request = URLRequest(url: url)
        request.timeoutInterval = 3
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse, [200, 503].contains(http.statusCode) else {
                return .silent("HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            do {
                return .report(try decoder.decode(HealthReport.self, from: data))
            } catch {
                return .silent("its answer is not a health report (\(error))")
            }
        } catch let error as URLError where error.code == .cannotConnectToHost || error.code == .cannotFindHost {
            return .absent
        } catch {
            return .silent("\(error.localizedDescription)")
        }
    }

    /// The running service's view: its connection, breakers, last cycles and recent errors.
    public static func service(_ rt: Runtime) async -> HealthReport {
        // From state: never a gateway round trip, which would queue behind a cycle's requests.
        let now = rt.marketClock.now(speed: rt.speed) ?? Date()
        var checks: [HealthCheck] = []
        let host = "\(rt.client.configuration.host):\(rt.client.configuration.port)"
        if let info = rt.client.connectionInfo {
            checks += gatewayChecks(rt.client, info: info, host: host, elapsed: .now)
        } else if let refusal = rt.client.refusal {
            // Not a passing outage: the service never reconnects, so the fallback cannot make it degraded.
            checks.append(refusalCheck(refusal, host: host))
        } else {
            checks.append(
                HealthCheck(
                    "gateway", rt.fetcher.fallback == nil ? .down : .degraded,
                    "not connected to \(host)\(rt.client.lastError.map { ": \($0)" } ?? "")",
                    fix: "the service keeps reconnecting; check that IB Gateway is up and logged in"))
        }
        for (name, breaker) in rt.fetcher.breakers.sorted(by: { $0.key < $1.key }) {
            let state = breaker.currentState
            checks.append(
                HealthCheck(
                    "breaker \(name)", state == .closed ? .ok : .degraded,
                    "\(state.rawValue)\(breaker.lastError.map { "; last error: \($0)" } ?? "")"))
        }
        checks += storeChecks(
            path: rt.store.path, symbols: rt.config.collection.symbols, interval: rt.config.collection.intervalSeconds,
            now: now, open: rt.store)
        if let p = try? await rt.trader.summary() {
            checks.append(
                HealthCheck(
                    "portfolio", .ok,
                    String(
                        format: "%d open (risk %.2f), equity %.2f, realized %.2f, unrealized %.2f, %d closed trades",
                        p.openPositions, p.openRisk, p.equity, p.realizedPnL, p.unrealizedPnL, p.closedTrades)))
        }
        if rt.killSwitchOn() {
            checks.append(
                HealthCheck(
                    "kill switch", .degraded, "on: new entries are halted",
                    fix: "papertrader kill-switch off (removes risk.kill_switch_file)"))
        }
        if let errors = try? rt.store.recentEvents(limit: 5, kind: .error), !errors.isEmpty {
            checks.append(
                HealthCheck(
                    "recent errors", .ok,
                    errors.map { "\(ISOTime.string($0.time)) \($0.message)" }.joined(separator: "; ")))
        }
        return HealthReport(source: "service", checkedAt: now, checks: checks)
    }
}
