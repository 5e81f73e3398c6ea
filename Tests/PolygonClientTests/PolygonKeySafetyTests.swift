import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import PolygonClient

/// A transport that records what would have been sent, and answers 200 with an empty result.
final class RecordingTransport: HTTPTransport {
    let sent = Mutex([URL]())
    func get(_ url: URL, headers: [String: String], timeout: Duration) async throws -> (
        status: Int, headers: [String: String], body: Data
    ) {
        sent.withLock { $0.append(url) }
        return (200, [:], Data(#"{"status": "OK", "results": []}"#.utf8))
    }
}

/// The key goes only to polygon.base_url's origin over https, never follows a redirect elsewhere, and
/// never comes back out of the server's text into errors or logs.
@Suite(.serialized) struct PolygonKeySafetyTests {
    func errorText(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return "\(error) | \(String(reflecting: error))"
        }
    }

    @Test func plainHTTPIsRefusedExceptToLoopback() async throws {
        for base in ["http://api.polygon.io", "http://10.0.0.5:8080", "ftp://api.polygon.io"] {
            let transport = RecordingTransport()
            let client = PolygonClient(
                configuration: PolygonClientConfiguration(baseURL: URL(string: base)!), apiKey: secretKey,
                transport: transport)
            do {
                _ = try await client.previousClose("SPY")
                Issue.record("\(base): a request was made")
            } catch let error as PolygonError {
                #expect(error.code == .insecure && error.isPermanent, "\(error)")
                #expect(error.description.contains("https://"))
            }
            #expect(transport.sent.withLock { $0 }.isEmpty, "\(base): the key was sent")
        }
        for base in ["https://api.polygon.io", "http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
            #expect(PolygonKeyGuard.insecurity(of: URL(string: base)!) == nil, "\(base)")
        }
    }

    @Test func aRedirectToAnotherHostIsNotFollowed() async throws {
        let other = FakePolygonServer()
        other.route(
            "/v2/aggs/ticker/SPY/prev",
            .json(#"{"status": "OK", "results": [{"o": 1, "h": 1, "l": 1, "c": 1, "t": 1772600000000}]}"#))
        let otherBase = try await other.start()
        // The same machine under another name: a different origin that would receive the header.
        let elsewhere = "http://localhost:\(otherBase.port ?? 0)/v2/aggs/ticker/SPY/prev"
        let text = try await withPolygon({ $0.route("/v2/aggs/ticker/SPY/prev", .redirect(to: elsewhere)) }) {
            client, server, _ in
            let text = await errorText { _ = try await client.previousClose("SPY") }
            #expect(server.received.count == 1)
            return text
        }
        await other.stop()
        #expect(text?.contains("not followed") == true, "\(text ?? "no error")")
        #expect(other.received.isEmpty, "the redirect was followed: \(other.received.map(\.headers))")
    }

    @Test func aRedirectWithinTheSameOriginIsFollowed() async throws {
        try await withPolygon({ server in
            server.route("/v2/aggs/ticker/SPY/prev", .redirect(to: "/v2/aggs/ticker/SPY/prev2"))
            server.route(
                "/v2/aggs/ticker/SPY/prev2",
                .json(#"{"status": "OK", "results": [{"o": 600, "h": 602, "l": 599, "c": 601.5, "t": 1772600000000}]}"#)
            )
        }) { client, _, _ in
            let close = try await client.previousClose("SPY")
            #expect(close == 601.5)
        }
    }

    @Test func aNextURLOnAnotherHostIsNotFollowed() async throws {
        let other = FakePolygonServer()
        let otherBase = try await other.start()
        let next = "http://localhost:\(otherBase.port ?? 0)/v3/snapshot/options/SPY?cursor=p2"
        let text = try await withPolygon({
            $0.route("/v3/snapshot/options/SPY", .json(chainPage(400...410, next: next)))
        }) { client, _, _ in
            await errorText { _ = try await client.optionChainSnapshot(underlying: "SPY") }
        }
        await other.stop()
        #expect(text?.contains("not followed") == true, "\(text ?? "no error")")
        #expect(other.received.isEmpty)
    }

    @Test func aServerThatEchoesTheKeyNeverGetsItShownOrLogged() async throws {
        LogCapture.lines.withLock { $0.removeAll() }
        let echoes: [FakePolygonServer.Response] = [
            .json(#"{"status": "ERROR", "request_id": "{{authorization}}", "error": "bad header {{authorization}}"}"#),
            .json(#"{"status": "ERROR", "message": "you sent {{authorization}}"}"#, status: 401),
            .json(#"{"status": "NOT_AUTHORIZED", "message": "plan lacks it for {{authorization}}"}"#, status: 403),
            .json(#"{"status": "NOT_FOUND", "message": "nothing for {{authorization}}"}"#, status: 404),
            .json(#"{"status": "ERROR", "request_id": "{{authorization}}"}"#, status: 500),
            .json(#"not json {{authorization}}"#),
        ]
        for echo in echoes {
            let text = try await withPolygon(maxRetries: 0, { $0.route("/v2/aggs/ticker/SPY/prev", echo) }) {
                client, server, _ in
                let text = await errorText { _ = try await client.previousClose("SPY") }
                #expect(server.received.first?.headers["authorization"] == "Bearer \(secretKey)")
                return text
            }
            let shown = try #require(text, "no error for \(echo.status)")
            #expect(!shown.contains(secretKey), "HTTP \(echo.status): \(shown)")
            #expect(!shown.contains("SECRETSECRET"), "HTTP \(echo.status): \(shown)")
        }
        // Per-item messages of the index snapshot come from the server too.
        let index = try await withPolygon({
            $0.route(
                "/v3/snapshot/indices",
                .json(#"{"results": [{"ticker": "I:VIX", "error": "NOT_FOUND", "message": "no {{authorization}}"}]}"#))
        }) { client, _, _ in await errorText { _ = try await client.indexValue("I:VIX") } }
        #expect(index.map { !$0.contains(secretKey) && $0.contains("[REDACTED]") } == true, "\(index ?? "")")
        #expect(LogCapture.lines.withLock { $0 }.allSatisfy { !$0.contains(secretKey) })
    }
}
