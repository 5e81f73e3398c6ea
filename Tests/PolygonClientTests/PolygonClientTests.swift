import Foundation
import Logging
import OptionsModel
import Synchronization
import TestSupport
import Testing

@testable import PolygonClient

let secretKey = "pk_test_SECRETSECRET_9f31"

/// Records log lines so tests can check the key never appears.
final class LogCapture: LogHandler, @unchecked Sendable {
    static let lines = Mutex([String]())
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        Self.lines.withLock {
            $0.append("\(event.message) \(event.metadata ?? [:]) \(event.error.map { "\($0)" } ?? "")")
        }
    }
}

/// Records the sleeps the client asked for instead of sleeping.
final class Sleeps: Sendable {
    let durations = Mutex([Duration]())
    var sleep: @Sendable (Duration) async throws -> Void { { d in self.durations.withLock { $0.append(d) } } }
}

func withPolygon<R: Sendable>(
    perMinute: Int = 1000, maxRetries: Int = 4, _ configure: (FakePolygonServer) throws -> Void,
    _ body: (PolygonClient, FakePolygonServer, Sleeps) async throws -> R
) async throws -> R {
    let server = FakePolygonServer()
    try configure(server)
    let base = try await server.start()
    let sleeps = Sleeps()
    let client = PolygonClient(
        configuration: PolygonClientConfiguration(baseURL: base, requestsPerMinute: perMinute, maxRetries: maxRetries),
        apiKey: secretKey, logger: Logger(label: "polygon-test", factory: { _ in LogCapture() }), sleep: sleeps.sleep)
    do {
        let result = try await body(client, server, sleeps)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A chain page in the recorded shape.
func chainPage(_ strikes: ClosedRange<Int>, next: String?, status: String = "OK", greeks: Bool = true) -> String {
    let items = strikes.map { k in
        """
        {"details": {"contract_type": "put", "exercise_style": "american", "expiration_date": "2026-04-17", "shares_per_contract": 100,
         "strike_price": \(k), "ticker": "O:SPY260417P00\(k)000"},
         \(greeks ? "\"greeks\": {\"delta\": -0.25, \"gamma\": 0.01, \"theta\": -0.05, \"vega\": 0.4}, \"implied_volatility\": 0.19," : "\"greeks\": {},")
         "last_quote": {"ask": 2.1, "ask_size": 10, "bid": 2.0, "bid_size": 12, "last_updated": 1772638200000000000, "midpoint": 2.05, "timeframe": "REAL-TIME"},
         "open_interest": 1000, "underlying_asset": {"price": 600.5, "ticker": "SPY"}}
        """
    }
    let nextField = next.map { #""next_url": "\#($0)","# } ?? ""
    return #"{"request_id": "r1", \#(nextField) "status": "\#(status)", "results": [\#(items.joined(separator: ","))]}"#
}

@Suite(.serialized) struct PolygonClientTests {
    @Test func recordedChainMapsExactly() async throws {
        try await withPolygon({
            try $0.route("/v3/snapshot/options/AAPL", .fixture("recorded/options_chain_snapshot_AAPL.json"))
        }) { client, server, _ in
            let chain = try await client.optionChainSnapshot(
                underlying: "AAPL", now: Date(timeIntervalSince1970: 1_651_254_300))
            let o = try #require(chain.options.first)
            #expect(chain.options.count == 1 && chain.pages == 1)
            #expect(o.contract.expiry == Expiry("20230616")! && o.contract.strike == 150 && o.contract.right == .call)
            #expect(
                o.quote.bid == 28.9 && o.quote.ask == 29.25 && o.quote.last == 29.25 && o.quote.openInterest == 8133
                    && o.quote.volume == 8)
            #expect(
                o.greeks.impliedVolatility == 0.3570277203465058 && o.greeks.delta == 0.6436614934293701
                    && o.greeks.vega == 0.6381159723175714)
            #expect(o.underlyingPrice == 159.9606 && chain.underlyingPrice == 159.9606 && o.source == .polygon)
            #expect(!o.flags.contains(.stale))
            let request = try #require(server.received.first)
            #expect(request.headers["authorization"] == "Bearer \(secretKey)")
            #expect(request.uri.contains("limit=250") && !request.uri.contains(secretKey))
        }
    }

    @Test func nanosecondTimestampsKeepTheirPrecision() {
        let date = PolygonClient.date(nanoseconds: 1_651_254_260_800_059_648)
        #expect(Int64(date.timeIntervalSince1970) == 1_651_254_260)
        #expect(abs(date.timeIntervalSince1970 - 1_651_254_260.800_059_648) < 1e-6)
    }

    @Test func pagesAreFollowedWithTheKeyOnlyInTheHeader() async throws {
        try await withPolygon({ server in
            server.route("/v3/snapshot/options/SPY", query: "cursor=p2", .json(chainPage(600...699, next: nil)))
        }) { client, server, _ in
            // next_url is absolute (as Polygon sends it), so these pages need the fake's own address.
            let base = client.configuration.baseURL.absoluteString
            server.route(
                "/v3/snapshot/options/SPY", query: "cursor=p1",
                .json(chainPage(500...599, next: base + "/v3/snapshot/options/SPY?cursor=p2")))
            server.route(
                "/v3/snapshot/options/SPY", query: "limit=250",
                .json(chainPage(400...499, next: base + "/v3/snapshot/options/SPY?cursor=p1")))
            let chain = try await client.optionChainSnapshot(
                underlying: "SPY", expirationFrom: Expiry("20260401"), strikeFrom: 300)
            #expect(chain.pages == 3 && chain.options.count == 300)
            #expect(Set(chain.options.map(\.contract.strike)).count == 300)
            #expect(server.received.count == 3)
            #expect(
                server.received.allSatisfy {
                    $0.headers["authorization"] == "Bearer \(secretKey)" && !$0.uri.contains(secretKey)
                        && !$0.uri.contains("apiKey")
                })
            #expect(server.received[0].uri.contains("expiration_date.gte=2026-04-01"))
            #expect(server.received[2].uri.contains("cursor=p2"))
        }
    }

    @Test func emptyResults() async throws {
        try await withPolygon({
            $0.route("/v3/snapshot/options/XYZ", .json(#"{"status": "OK", "request_id": "x", "results": []}"#))
        }) { client, _, _ in
            let chain = try await client.optionChainSnapshot(underlying: "XYZ")
            #expect(chain.options.isEmpty && chain.pages == 1)
        }
    }

    @Test func missingGreeksStayAbsentAndAreFlagged() async throws {
        try await withPolygon({
            $0.route(
                "/v3/snapshot/options/SPY", .json(chainPage(590...591, next: nil, status: "DELAYED", greeks: false)))
        }) { client, _, _ in
            let chain = try await client.optionChainSnapshot(
                underlying: "SPY", staleAfter: 60, now: Date(timeIntervalSince1970: 1_772_638_200 + 3600))
            #expect(chain.delayed)
            for o in chain.options {
                #expect(o.greeks.delta == nil && o.greeks.impliedVolatility == nil)
                #expect(o.flags.contains(.greeksMissing) && o.flags.contains(.delayed) && o.flags.contains(.stale))
            }
        }
    }

    @Test func rateLimitedThenSuccessHonoursRetryAfter() async throws {
        try await withPolygon({ server in
            try server.route(
                "/v2/aggs/ticker/SPY/prev",
                .json(#"{"status": "ERROR", "error": "slow down"}"#, status: 429, headers: [("Retry-After", "3")]),
                .json(#"{"status": "ERROR"}"#, status: 429), .fixture("recorded/aggs_prev_AAPL.json"))
        }) { client, _, sleeps in
            let close = try await client.previousClose("SPY")
            #expect(close > 0)
            #expect(sleeps.durations.withLock { $0 } == [.seconds(3), .seconds(2)])
        }
    }

    @Test func a429StormEndsAsRateLimited() async throws {
        try await withPolygon(maxRetries: 2, { $0.route("/v2/aggs/ticker/SPY/prev", .json("{}", status: 429)) }) {
            client, server, _ in
            do {
                _ = try await client.previousClose("SPY")
                Issue.record("a 429 storm succeeded")
            } catch let error as PolygonError {
                #expect(error.code == .rateLimited && error.httpStatus == 429)
                #expect(server.received.count == 3)
            }
        }
    }

    @Test func unauthorizedAndNotEntitledAreClearAndNotRetried() async throws {
        try await withPolygon({ server in
            server.route(
                "/v2/aggs/ticker/SPY/prev",
                .json(#"{"status": "ERROR", "request_id": "a", "error": "Unknown API Key"}"#, status: 401))
            server.route(
                "/v3/snapshot/options/SPY",
                .json(
                    #"{"status": "NOT_AUTHORIZED", "request_id": "b", "message": "You are not entitled to this data. Please upgrade your plan."}"#,
                    status: 403))
        }) { client, server, _ in
            var errors: [PolygonError] = []
            do { _ = try await client.previousClose("SPY") } catch let e as PolygonError { errors.append(e) }
            do { _ = try await client.optionChainSnapshot(underlying: "SPY") } catch let e as PolygonError {
                errors.append(e)
            }
            #expect(errors.map(\.code) == [.unauthorized, .notEntitled])
            #expect(errors.allSatisfy { $0.isPermanent })
            #expect(errors[0].description.contains("POLYGON_API_KEY") && errors[1].description.contains("plan"))
            #expect(server.received.count == 2)
            for e in errors {
                #expect(!String(describing: e).contains(secretKey) && !String(reflecting: e).contains(secretKey))
            }
            #expect(LogCapture.lines.withLock { $0 }.allSatisfy { !$0.contains(secretKey) })
        }
    }

    @Test func indexSnapshotPerItemErrors() async throws {
        try await withPolygon({ server in
            try server.route("/v3/snapshot/indices", .fixture("recorded/indices_snapshot_SPX_APx_APy.json"))
            try server.route("/v2/aggs/ticker/APy/prev", .fixture("recorded/aggs_prev_AAPL.json"))
        }) { client, _, _ in
            let spx = try await client.indexValue("SPX")
            #expect(spx == 3822.39)
            await #expect(throws: PolygonError.self) { _ = try await client.indexValue("APx") }
            // NOT_ENTITLED on the snapshot falls back to the previous close.
            let fallback = try await client.indexValue("APy")
            #expect(fallback > 0)
        }
    }

    @Test func aggregatesMapToTheNewYorkDay() async throws {
        try await withPolygon({
            try $0.route(
                "/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04",
                .fixture("recorded/aggs_day_AAPL_2005-04-01_2005-04-04.json"))
        }) { client, _, _ in
            let bars = try await client.dailyBars(ticker: "AAPL", from: Expiry("20050401")!, to: Expiry("20050404")!)
            #expect(bars.map(\.day) == [Expiry("20050401")!, Expiry("20050404")!])
            #expect(bars[0].open == 1.5032 && bars[0].close == 1.4604 && bars[0].volume == 642_646_396)
        }
    }

    @Test func rateLimiterCountsEveryRequestPerMinute() {
        let now = Mutex(0.0)
        let limiter = PolygonRateLimiter(perMinute: 5, now: { now.withLock { $0 } })
        for _ in 0..<5 { #expect(limiter.reserve() == 0) }
        let wait = limiter.reserve()
        #expect(wait > 59.9 && wait < 60.1)
        now.withLock { $0 = 60.01 }
        #expect(limiter.reserve() == 0)
    }

    @Test func redactionOfKeysInURLs() {
        #expect(
            PolygonClient.redact("/v3/x?cursor=a&apiKey=SECRET&limit=5") == "/v3/x?cursor=a&apiKey=REDACTED&limit=5")
    }
}
