import AppConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SnapshotStore
import Testing
import Trading

@testable import Orchestrator

/// The token rules of the control routes, through HummingbirdTesting against a real runtime (the
/// simulator, a paper account): no token configured -> 403 with the reason; a missing or wrong token
/// -> 401 with no detail; the right one -> the action happens once, through the trader's exit path
/// (reason manual), journaled with its origin.
@Suite(.serialized) struct ControlRoutesTests {
    static let token = "correct-horse-battery-staple-42"

    func withToken(_ options: RuntimeOptions) -> RuntimeOptions {
        var options = options
        options.loaded.config.http.tokenEnv = "PAPERTRADER_TEST_TOKEN"
        options.loaded.httpToken = Secret(Self.token)
        return options
    }

    static let mutating: [String] = [
        "/api/positions/1/close", "/api/flatten", "/api/flatten?symbol=IWM", "/api/orders/cancel",
        "/api/orders/cancel?older_than_minutes=5", "/api/kill-switch?state=on",
    ]

    @Test func withoutATokenEveryControlIsOffAndReadsStayOn() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let app = Application(router: ServiceAPI.router(rt), logger: quiet)
            try await app.test(.router) { client in
                for path in Self.mutating {
                    let bearer: HTTPFields = [.authorization: "Bearer \(Self.token)"]
                    try await client.execute(uri: path, method: .post, headers: bearer) { response in
                        #expect(response.status == .forbidden, "\(path)")
                        #expect(String(buffer: response.body).contains("control routes are off"), "\(path)")
                    }
                }
                try await client.execute(uri: "/api/portfolio", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
            #expect(!rt.killSwitchOn())
            #expect(try rt.store.recentEvents(limit: 10, kind: .control).isEmpty)
        }
    }

    @Test func aWrongOrMissingTokenIs401WithNoDetail() async throws {
        try await OrchestratorRuntime.with(withToken(try tradingOptions()), logger: quiet) { rt in
            let app = Application(router: ServiceAPI.router(rt), logger: quiet)
            try await app.test(.router) { client in
                let wrong: [HTTPFields] = [
                    [:], [.authorization: "Bearer nope"], [.authorization: "Bearer \(Self.token)x"],
                    [.authorization: "Basic \(Self.token)"], [.authorization: Self.token],
                ]
                for path in Self.mutating {
                    for headers in wrong {
                        try await client.execute(uri: path, method: .post, headers: headers) { response in
                            #expect(response.status == .unauthorized, "\(path) \(headers)")
                            #expect(String(buffer: response.body) == #"{"error":"unauthorized"}"#)
                            #expect(response.headers[.setCookie] == nil)
                        }
                    }
                }
            }
            #expect(!rt.killSwitchOn())
            #expect(try rt.store.recentEvents(limit: 10, kind: .control).isEmpty)
        }
    }

    @Test func theRightTokenClosesAPositionOnceThroughTheExitPath() async throws {
        try await OrchestratorRuntime.with(withToken(try tradingOptions()), logger: quiet) { rt in
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let first = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            let id = try #require(first.opened.first, "no position opened: \(first)")
            let app = Application(router: ServiceAPI.router(rt), logger: quiet)
            let bearer: HTTPFields = [
                .authorization: "Bearer \(Self.token)", ControlAccess.originField: "cli",
            ]
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/explain/iwm", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""symbol":"IWM""#))
                }
                try await client.execute(uri: "/api/positions/\(id)/close", method: .post, headers: bearer) {
                    response in
                    let body = String(buffer: response.body)
                    #expect(response.status == .ok, "\(body)")
                    #expect(body.contains(#""outcome":"closed""#), "\(body)")
                }
                // Once: the second ask finds it closed, and nothing else happens.
                try await client.execute(uri: "/api/positions/\(id)/close", method: .post, headers: bearer) {
                    response in
                    #expect(response.status == .conflict)
                    #expect(String(buffer: response.body).contains(#""outcome":"not_open""#))
                }
                try await client.execute(uri: "/api/positions/999/close", method: .post, headers: bearer) {
                    response in
                    #expect(response.status == .notFound)
                }
                try await client.execute(uri: "/api/positions/abc/close", method: .post, headers: bearer) {
                    response in
                    #expect(response.status == .badRequest)
                }
            }
            let closed = try #require(try rt.store.positions(status: nil).first { $0.id == id })
            #expect(closed.status == .closed && closed.exitReason == .manual)
            #expect(try rt.store.orders(limit: 100).filter { $0.purpose == .close }.count == 1)
            let exits = try rt.store.recentEvents(limit: 50, kind: .exitSignal)
            #expect(exits.count == 1 && exits[0].message.contains("manual"))
            let controls = try rt.store.recentEvents(limit: 10, kind: .control)
            #expect(controls.count == 3, "\(controls.map(\.message))")
            #expect(
                controls.allSatisfy {
                    $0.message.hasSuffix("(from http/cli)") && $0.data?.contains(#""origin":"http\/cli""#) == true
                })
            #expect(controls.contains { $0.message.contains("close position \(id): closed") })
        }
    }

    @Test func flattenCancelAndKillSwitchAct() async throws {
        try await OrchestratorRuntime.with(withToken(try tradingOptions()), logger: quiet) { rt in
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let first = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            try #require(!first.opened.isEmpty, "no position opened: \(first)")
            let app = Application(router: ServiceAPI.router(rt), logger: quiet)
            let bearer: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/flatten?symbol=SPY", method: .post, headers: bearer) { response in
                    #expect(response.status == .ok && String(buffer: response.body).contains(#""results":[]"#))
                }
                try await client.execute(uri: "/api/flatten", method: .post, headers: bearer) { response in
                    #expect(response.status == .ok && String(buffer: response.body).contains(#""outcome":"closed""#))
                }
                try await client.execute(uri: "/api/orders/cancel?older_than_minutes=x", method: .post, headers: bearer)
                {
                    response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(uri: "/api/orders/cancel", method: .post, headers: bearer) { response in
                    #expect(response.status == .ok && String(buffer: response.body).contains(#""cancelled":[]"#))
                }
                try await client.execute(
                    uri: "/api/kill-switch", method: .post, headers: bearer,
                    body: ByteBuffer(string: #"{"state":"on"}"#)
                ) { response in
                    #expect(response.status == .ok && String(buffer: response.body).contains(#""on":true"#))
                }
                #expect(rt.killSwitchOn())
                try await client.execute(
                    uri: "/api/kill-switch", method: .post, headers: bearer, body: ByteBuffer(string: "off")
                ) { response in
                    #expect(response.status == .ok)
                }
                #expect(!rt.killSwitchOn())
                try await client.execute(uri: "/api/kill-switch?state=maybe", method: .post, headers: bearer) {
                    response in
                    #expect(response.status == .badRequest)
                }
            }
            #expect(try rt.store.positions(status: [.open]).isEmpty)
            #expect(try rt.store.positions(status: nil).filter { $0.exitReason == .manual }.count == first.opened.count)
            #expect(try rt.store.recentEvents(limit: 10, kind: .control).count == 5)
        }
    }

    @Test func tokensCompareInConstantTimeShape() {
        #expect(ControlAccess.constantTimeEqual("abc", "abc"))
        #expect(!ControlAccess.constantTimeEqual("abc", "abd"))
        #expect(!ControlAccess.constantTimeEqual("abc", "abcd"))
        #expect(!ControlAccess.constantTimeEqual("", "a"))
    }
}
