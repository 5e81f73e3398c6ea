import Foundation
import Hummingbird
import OptionsModel
import SnapshotStore
import Trading

/// The routes of the HTTP endpoint `run` serves (127.0.0.1 by default):
/// `/health`, `/metrics`, `/api/portfolio`, `/api/positions`, `/api/trades`,
/// `/api/chains/{symbol}/latest`, `/api/cycles?limit=N`, the history routes (`ServiceAPI+History.swift`:
/// `/api/symbols`, `/api/bars/{symbol}`, `/api/iv/{symbol}`) and the operator's routes
/// (`ServiceAPI+Controls.swift`). Every route returns an `HTTPReply`; a new
/// one (the dashboard at `GET /`, say) is one `routes.get(...)` line in `router(_:)`.
public enum ServiceAPI {
    /// The endpoint's router: bad paths are 404, a known path with another method 405, bad parameters
    /// 400, failures 500 with a message — always a JSON `{"error": ...}` body.
    public static func router(_ rt: Runtime) -> Router<BasicRequestContext> {
        let routes = APIRoutes()
        routes.get("/") { _, _ in await Dashboard.page(rt) }
        routes.get("/health") { _, _ in
            // From state only (breakers, last cycle, market clock): never waits for a cycle.
            let report = await HealthChecker.service(rt)
            return HTTPReply(status: report.status == .down ? 503 : 200, body: try json(report))
        }
        routes.get("/metrics") { _, _ in
            HTTPReply(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: await ServiceMetrics.render(rt))
        }
        routes.get("/api/portfolio") { _, _ in
            HTTPReply(status: 200, body: try json(try await rt.trader.summary()))
        }
        routes.get("/api/positions") { request, _ in
            var wanted: Set<PositionStatus>?
            if let status = request.query("status") {
                guard let s = PositionStatus(rawValue: status) else {
                    let all = PositionStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    return .error(400, "status must be one of \(all)")
                }
                wanted = [s]
            }
            return HTTPReply(status: 200, body: try json(try rt.store.positions(status: wanted)))
        }
        routes.get("/api/trades") { request, _ in
            let limit = try limitParameter(request, default: 100)
            let trades = Trades(orders: try rt.store.orders(limit: limit), fills: try rt.store.fills(orderRef: nil))
            return HTTPReply(status: 200, body: try json(trades))
        }
        routes.get("/api/chains/{symbol}/latest") { _, context in
            let symbol = try symbolParameter(context)
            guard let chain = try rt.store.latestChain(symbol: symbol, expiryFrom: nil, expiryTo: nil, right: nil)
            else { return .error(404, "no chain stored for \(symbol)") }
            return HTTPReply(status: 200, body: try json(chain))
        }
        routes.get("/api/cycles") { request, _ in
            HTTPReply(status: 200, body: try json(try rt.store.cycles(limit: try limitParameter(request, default: 20))))
        }
        routes.get("/api/risk") { _, _ in
            HTTPReply(status: 200, body: try json(try RiskAPI.risk(store: rt.store, config: rt.config)))
        }
        routes.get("/api/risk/scenarios") { _, _ in
            HTTPReply(status: 200, body: try json(try RiskAPI.scenarios(store: rt.store, config: rt.config)))
        }
        addHistoryRoutes(routes, rt)
        addControlRoutes(routes, rt)
        return routes.router
    }

    struct Trades: Encodable {
        var orders: [OrderRecord]
        var fills: [FillRecord]
    }

    static func limitParameter(_ request: Request, default value: Int) throws -> Int {
        guard let text = request.query("limit") else { return value }
        guard let n = Int(text), (1...1000).contains(n) else {
            throw BadParameter(message: "limit must be an integer from 1 to 1000, got '\(text)'")
        }
        return n
    }

    static func json<T: Encodable>(_ value: T) throws -> String { try JSONOutput.render(value) }

    /// The route's `{symbol}`, upper-cased; a 400 when it is not a ticker.
    static func symbolParameter(_ context: BasicRequestContext) throws -> String {
        let raw = context.parameters.get("symbol") ?? ""
        let symbol = raw.uppercased()
        guard isSymbol(symbol) else { throw BadParameter(message: "'\(raw)' is not a ticker symbol") }
        return symbol
    }

    static func isSymbol(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 10 && s.allSatisfy { $0.isLetter || $0 == "." }
    }
}

/// A query parameter a route rejects (a 400 with this message).
struct BadParameter: Error {
    let message: String
}

extension Request {
    /// The first value of query parameter `name`, percent-decoded.
    func query(_ name: String) -> String? {
        uri.queryParameters[name[...]].map(String.init)
    }
}

/// The one JSON rendering of the CLI's `--json` outputs and the HTTP API: sorted keys, ISO-8601
/// dates, non-finite numbers as strings (never an encoding failure).
public enum JSONOutput {
    /// `value` as one line of JSON.
    public static func render<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
