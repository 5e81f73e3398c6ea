import Foundation
import Hummingbird
import HummingbirdTesting
import OptionsModel
import SnapshotStore
import Synchronization
import Testing

@testable import Orchestrator

/// `GET uri` through the service's router (HummingbirdTesting, no socket).
func routerGet(_ rt: Runtime, _ uris: [String]) async throws -> [String: HTTPReply] {
    let app = Application(router: ServiceAPI.router(rt), logger: quiet)
    let replies = Mutex([String: HTTPReply]())
    try await app.test(.router) { client in
        for uri in uris {
            try await client.execute(uri: uri, method: .get) { r in
                let reply = HTTPReply(
                    status: Int(r.status.code), contentType: r.headers[.contentType] ?? "", body: String(buffer: r.body)
                )
                replies.withLock { $0[uri] = reply }
            }
        }
    }
    return replies.withLock { $0 }
}

private func object(_ reply: HTTPReply?) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data((reply?.body ?? "").utf8))
    return try #require(value as? [String: Any])
}

/// The history API against a runtime on the simulator after one collected cycle: what the store
/// holds per symbol, its daily bars and its daily ATM IV, with 400s and 404s for bad asks.
@Suite(.serialized) struct HistoryAPITests {
    @Test func historyRoutesServeTheStore() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            _ = try await rt.collector.collectCycle()
            let stored = try rt.store.bars(symbol: "IWM", count: 10_000)
            let storedIV = try rt.store.latestIVHistory(symbol: "IWM", days: 3650)
            #expect(stored.count > 2 && !storedIV.points.isEmpty)
            let from = stored[1].day.iso
            let to = stored[stored.count - 2].day.iso
            let replies = try await routerGet(
                rt,
                [
                    "/api/symbols", "/api/bars/iwm", "/api/bars/IWM?from=\(from)&to=\(to)", "/api/iv/IWM?days=5",
                    "/api/iv/IWM",
                ])

            // Symbols: the one collected, with each table's count as the store has it.
            let symbols = try #require(
                try JSONSerialization.jsonObject(with: Data((replies["/api/symbols"]?.body ?? "").utf8))
                    as? [[String: Any]])
            let iwm = try #require(symbols.first { $0["symbol"] as? String == "IWM" })
            let stats = try rt.store.stats()
            #expect(iwm["optionRows"] as? Int == stats.rowsPerSymbol["IWM"] && (stats.rowsPerSymbol["IWM"] ?? 0) > 0)
            #expect(iwm["underlyingRows"] as? Int == 1)
            #expect(iwm["bars"] as? Int == stored.count)
            #expect(iwm["ivDays"] as? Int == storedIV.points.count)
            #expect(iwm["firstTimestamp"] is String && iwm["lastTimestamp"] is String)

            // Bars: all of them oldest first, then the inclusive range.
            let all = try #require(try object(replies["/api/bars/iwm"])["bars"] as? [[String: Any]])
            #expect(all.count == stored.count)
            #expect(all.first?["date"] as? String == stored.first?.day.iso)
            #expect(all.last?["close"] as? Double == stored.last?.close)
            let ranged = try object(replies["/api/bars/IWM?from=\(from)&to=\(to)"])
            let range = try #require(ranged["bars"] as? [[String: Any]])
            #expect(range.count == stored.count - 2)
            #expect(range.first?["date"] as? String == from && range.last?["date"] as? String == to)
            #expect(ranged["from"] as? String == from)

            // IV: the latest N days, with the range over them.
            let five = try object(replies["/api/iv/IWM?days=5"])
            let points = try #require(five["points"] as? [[String: Any]])
            #expect(points.count == min(5, storedIV.points.count) && five["days"] as? Int == 5)
            #expect(points.last?["date"] as? String == storedIV.points.last?.day.iso)
            // Foundation's JSON parser may miss the last digit of a shortest-form double.
            let lastIV = try #require(points.last?["atmIV"] as? Double)
            #expect(abs(lastIV - (storedIV.points.last?.atmIV ?? 0)) < 1e-12)
            let year = try object(replies["/api/iv/IWM"])
            #expect(year["days"] as? Int == 252)
            #expect((year["points"] as? [Any])?.count == min(252, storedIV.points.count))
            #expect(replies.values.allSatisfy { $0.status == 200 && $0.contentType == "application/json" })
        }
    }

    @Test func badParametersAre400AndUnknownSymbols404() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            _ = try await rt.collector.collectCycle()
            let expected: [(String, Int, String)] = [
                ("/api/bars/IWM?from=2026-13-01", 400, "from must be a date YYYY-MM-DD, got '2026-13-01'"),
                ("/api/bars/IWM?to=20260105", 400, "to must be a date YYYY-MM-DD, got '20260105'"),
                ("/api/bars/IWM?from=2026-02-01&to=2026-01-01", 400, "from (2026-02-01) is after to (2026-01-01)"),
                ("/api/bars/bad!sym", 400, "'bad!sym' is not a ticker symbol"),
                ("/api/bars/QQQ", 404, "nothing stored for QQQ"),
                ("/api/iv/IWM?days=0", 400, "days must be an integer from 1 to 3650, got '0'"),
                ("/api/iv/IWM?days=3651", 400, "days must be an integer from 1 to 3650, got '3651'"),
                ("/api/iv/IWM?days=x", 400, "days must be an integer from 1 to 3650, got 'x'"),
                ("/api/iv/TOOLONGSYMBOL", 400, "'TOOLONGSYMBOL' is not a ticker symbol"),
                ("/api/iv/QQQ", 404, "nothing stored for QQQ"),
            ]
            let replies = try await routerGet(rt, expected.map(\.0))
            for (uri, status, message) in expected {
                let reply = try #require(replies[uri], "no reply to \(uri)")
                #expect(reply.status == status, "\(uri): \(reply.body)")
                #expect(try object(reply)["error"] as? String == message, "\(uri): \(reply.body)")
            }
        }
    }

    @Test func anEmptyStoreHasNoSymbols() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let replies = try await routerGet(rt, ["/api/symbols", "/api/bars/IWM", "/api/iv/IWM"])
            #expect(replies["/api/symbols"]?.status == 200 && replies["/api/symbols"]?.body == "[]")
            #expect(replies["/api/bars/IWM"]?.status == 404 && replies["/api/iv/IWM"]?.status == 404)
        }
    }
}
