import Foundation
import GatewaySimulator
import Logging
import OptionsModel
import PolygonClient
import SnapshotStore
import TWSClient
import TestSupport
import Testing

@testable import MarketData

let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
let now = SimulatorHarness.wednesdayMorning
let request = ChainRequest(
    symbol: "SPY", dteMin: 7, dteMax: 50, maxExpiries: 2, strikeRangePct: 0.02, greeksGrace: .milliseconds(300))

/// A Polygon fake serving an SPY chain, previous closes, VIX and 80 daily bars.
func polygonFake() -> FakePolygonServer {
    let server = FakePolygonServer()
    var items: [String] = []
    for expiry in ["2026-03-20", "2026-04-02"] {
        for k in stride(from: 590, through: 610, by: 5) {
            for right in ["call", "put"] {
                items.append(
                    """
                    {"details": {"contract_type": "\(right)", "expiration_date": "\(expiry)", "shares_per_contract": 100, "strike_price": \(k)},
                     "greeks": {"delta": \(right == "call" ? 0.5 : -0.5), "gamma": 0.01, "theta": -0.1, "vega": 0.5}, "implied_volatility": 0.18,
                     "last_quote": {"ask": 3.1, "bid": 3.0, "last_updated": 1772638200000000000}, "open_interest": 500,
                     "underlying_asset": {"price": 600.25}}
                    """)
            }
        }
    }
    server.route("/v3/snapshot/options/SPY", .json(#"{"status": "OK", "results": [\#(items.joined(separator: ","))]}"#))
    server.route(
        "/v2/aggs/ticker/SPY/prev",
        .json(#"{"status": "OK", "results": [{"o": 599, "h": 601, "l": 598, "c": 600.25, "t": 1772571600000}]}"#))
    server.route("/v3/snapshot/indices", .json(#"{"status": "OK", "results": [{"ticker": "I:VIX", "value": 17.5}]}"#))
    let bars = (0..<80).map { i in
        #"{"o": 500, "h": 505, "l": 495, "c": \#(500 + i), "v": 1000, "t": \#(1_765_000_000_000 + Int64(i) * 86_400_000)}"#
    }
    server.route(
        "/v2/aggs/ticker/SPY/range/1/day", .json(#"{"status": "OK", "results": [\#(bars.joined(separator: ","))]}"#))
    return server
}

/// Runs `body` with an IB provider on a simulator (or a dead port), a Polygon provider on the fake,
/// and a fetcher over both.
func withFetcher<R: Sendable>(
    simulator configure: (inout GatewaySimulator.Configuration) -> Void = { _ in }, deadGateway: Bool = false,
    threshold: Int = 5, store wrap: (SQLiteStore) -> any MarketDataStore = { $0 },
    requestTimeout: Duration = .seconds(2),
    _ body: @Sendable (OptionDataFetcher, GatewaySimulator, FakePolygonServer) async throws -> R
) async throws -> R {
    try await SimulatorHarness.with({ c in
        c.maxMessagesPerSecond = 1000
        configure(&c)
    }) { sim in
        let polygon = polygonFake()
        let base = try await polygon.start()
        defer { Task { await polygon.stop() } }
        var config = TWSClientConfiguration()
        config.port = deadGateway ? 1 : sim.port
        config.clientId = 31
        config.maxMessagesPerSecond = 1000
        config.requestTimeout = requestTimeout
        config.reconnectInitialBackoff = .milliseconds(50)
        let client = TWSClient(configuration: config, logger: quiet)
        let ib = IBProvider(client: client, source: .simulator, logger: quiet)
        let poly = PolygonProvider(
            client: PolygonClient(
                configuration: PolygonClientConfiguration(baseURL: base, requestsPerMinute: 1000), apiKey: "k",
                logger: quiet))
        let store = try SQLiteStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent(
                "md-\(UInt32.random(in: 0...UInt32.max)).sqlite"
            ).path)
        let fetcher = OptionDataFetcher(
            primary: ib, fallback: poly, store: wrap(store), failureThreshold: threshold, logger: quiet)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try? await client.run()
                return nil
            }
            defer { group.cancelAll() }
            if !deadGateway { _ = try await client.waitUntilReady(timeout: .seconds(60)) }
            let result = try await body(fetcher, sim, polygon)
            group.cancelAll()
            return result
        }
    }
}

@Suite(.serialized) struct FetcherTests {
    @Test func ibChainRespectsTheFilters() async throws {
        try await withFetcher { fetcher, sim, _ in
            let (chain, errors) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(errors.isEmpty && chain.source == .simulator)
            let spot = try #require(chain.underlyingPrice)
            let today = MarketCalendar().tradingDay(of: now)
            #expect(Set(chain.options.map(\.contract.expiry)).count == 2)
            #expect(
                chain.options.allSatisfy {
                    (7...50).contains($0.contract.expiry.days(since: today))
                        && abs($0.contract.strike - spot) <= spot * 0.02
                })
            #expect(chain.options.count > 20)
            #expect(Double(chain.options.filter { $0.greeks.isUsable }.count) / Double(chain.options.count) > 0.9)
            #expect(chain.options.allSatisfy { $0.source == .simulator && !$0.flags.contains(.delayed) })
            #expect(!sim.errorCodesSent.contains(101))
        }
    }

    @Test func openInterestBySubscribeWaitCancel() async throws {
        var oiRequest = request
        oiRequest.includeOpenInterest = true
        oiRequest.strikeRangePct = 0.005
        let withOI = oiRequest
        try await withFetcher { fetcher, _, _ in
            let (chain, _) = try await fetcher.fetchOptionChain(withOI, now: now)
            #expect(!chain.options.isEmpty)
            #expect(chain.options.allSatisfy { ($0.quote.openInterest ?? 0) > 0 })
        }
    }

    @Test func fallsBackToPolygonWhenTheGatewayIsDown() async throws {
        try await withFetcher(deadGateway: true) { fetcher, _, _ in
            let (chain, errors) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(chain.source == .polygon && chain.options.allSatisfy { $0.source == .polygon })
            #expect(errors.count == 1 && errors[0].hasPrefix("ib:"))
        }
    }

    @Test func fallsBackWhenTheAccountHasNoMarketData() async throws {
        try await withFetcher(simulator: { $0.marketData = .none }) { fetcher, sim, _ in
            let (chain, errors) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(chain.source == .polygon)
            #expect(errors.first?.contains("ib:") == true)
            #expect(sim.errorCodesSent.contains(354))
        }
    }

    @Test func fallsBackWhenGreeksAreWithheld() async throws {
        try await withFetcher { fetcher, sim, _ in
            sim.inject(.withholdGreeks(symbol: nil))
            let (chain, errors) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(chain.source == .polygon)
            #expect(errors.first?.contains("greeks missing") == true)
        }
    }

    @Test func breakerOpensAndSkipsTheFailingProvider() async throws {
        try await withFetcher(deadGateway: true, threshold: 2) { fetcher, _, polygon in
            for _ in 0..<3 { _ = try await fetcher.fetchOptionChain(request, now: now) }
            #expect(fetcher.breakerStates["ib"] == .open)
            let (_, errors) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(errors == ["ib: circuit breaker open"])
            #expect(polygon.received.count >= 4)
        }
    }

    @Test func bothFailingIsATypedError() async throws {
        try await withFetcher(deadGateway: true) { fetcher, _, polygon in
            await polygon.stop()
            do {
                _ = try await fetcher.fetchOptionChain(request, now: now)
                Issue.record("no provider, yet a chain")
            } catch let error as MarketDataError {
                guard case .allProvidersFailed(let errors) = error else { return }
                #expect(errors.count == 2)
            }
        }
    }

    @Test func thePictureHasTrendVIXAndAtmIV() async throws {
        // Timeouts are not under test: a loaded machine must not fail the history request.
        try await withFetcher(requestTimeout: .seconds(30)) { fetcher, _, _ in
            let picture = try await fetcher.marketData(request, now: now)
            #expect(picture.source == .simulator)
            #expect(picture.vix.map { $0 > 8 && $0 < 90 } == true)
            #expect(picture.atmIV.map { $0 > 0.05 && $0 < 1 } == true)
            // No stored history yet: it is filled from the gateway's OPTION_IMPLIED_VOLATILITY bars, so
            // the rank is measured from the first cycle, against the stored window.
            #expect(picture.ivRankKnown && picture.warnings.isEmpty, "\(picture.warnings)")
            let history = try #require(try fetcher.store?.ivHistory(symbol: "SPY", days: 60, until: now))
            #expect(history.points.count >= 30)
            let values = history.points.map(\.atmIV)
            let low = try #require(values.min()), high = try #require(values.max())
            let current = try #require(picture.atmIV)
            let expected = min(100, max(0, (current - low) / (high - low) * 100))
            #expect(abs(picture.ivRank - expected) < 1e-9)
        }
    }

    @Test func preflightCountsWhatTheFiltersSelect() async throws {
        try await withFetcher { fetcher, _, _ in
            let small = try #require(
                await fetcher.preflight(request, now: now, intervalSeconds: 300, lines: 100, messagesPerSecond: 50))
            let (chain, _) = try await fetcher.fetchOptionChain(request, now: now)
            #expect(small.contracts >= chain.options.count && small.contracts > 0)
            #expect(small.fits(intervalSeconds: 300))
            var wide = request
            wide.strikeRangePct = 0.3
            wide.maxExpiries = 20
            wide.includeOpenInterest = true
            let big = try #require(
                await fetcher.preflight(wide, now: now, intervalSeconds: 60, lines: 100, messagesPerSecond: 50))
            #expect(!big.fits(intervalSeconds: 60) && big.contracts > small.contracts * 10)
        }
    }

    @Test func plannedCollectionFitsOrSaysSo() {
        let plan = CollectionPlan(
            symbol: "SPY", contracts: 1200, includeOpenInterest: true, lines: 100, messagesPerSecond: 50)
        #expect(plan.messages == 3606)
        #expect(plan.estimatedSeconds > 80)
        #expect(plan.description.contains("1200 contracts"))
    }
}

@Suite(.serialized) struct HeldLegsTests {
    /// A held iron condor in a far expiry is collected, but its wings are not the market's ATM: ATM IV
    /// (and so IV rank) comes from the planned chain only.
    @Test func heldLegsInAnotherExpiryDoNotMoveATMIV() async throws {
        // The simulator's market: the same seed, symbols and reference as the harness's simulator.
        let market = SimulatedMarket(seed: 1, symbols: ["SPY", "QQQ", "IWM"], reference: now)
        try await withFetcher { fetcher, _, _ in
            let today = MarketCalendar().tradingDay(of: now)
            let far = try #require(market.expiries("SPY", at: now).first { $0.days(since: today) > 80 })
            let spot = try #require(market.price("SPY", at: now))
            let put = (spot * 0.90).rounded(.down), call = (spot * 1.10).rounded(.up)
            var held = request
            held.heldContracts = [
                OptionContract(symbol: "SPY", expiry: far, strike: put, right: .put),
                OptionContract(symbol: "SPY", expiry: far, strike: put - 5, right: .put),
                OptionContract(symbol: "SPY", expiry: far, strike: call, right: .call),
                OptionContract(symbol: "SPY", expiry: far, strike: call + 5, right: .call),
            ]
            let picture = try await fetcher.marketData(held, now: now)
            #expect(picture.chain.options.contains { $0.contract.expiry == far })
            let price = try #require(picture.price)
            let planned = held.plannedRows(of: picture.chain, today: today)
            #expect(planned.count == picture.chain.options.count - 4)
            let expected = MarketAnalytics.constantMaturityATMIV(chain: planned, underlying: price, today: today)
            #expect(picture.atmIV == expected)
            // The whole chain, held legs included, gives another number: the bug this guards against.
            let whole = MarketAnalytics.constantMaturityATMIV(
                chain: picture.chain.options, underlying: price, today: today)
            #expect(whole != expected)
        }
    }
}
