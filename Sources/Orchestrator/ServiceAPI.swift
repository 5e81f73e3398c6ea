import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// The routes of the HTTP endpoint `run` serves (127.0.0.1 by default):
/// `/health`, `/metrics`, `/api/portfolio`, `/api/positions`, `/api/trades`,
/// `/api/chains/{symbol}/latest`, `/api/cycles?limit=N`.
public enum ServiceAPI {
    /// Answers one request; bad paths are 404, bad parameters 400, failures 500 with a message.
    public static func handle(_ rt: Runtime, method: String, uri: String) async -> HTTPReply {
        guard method == "GET" || method == "HEAD" else { return .error(405, "only GET is served") }
        guard let components = URLComponents(string: "http://localhost" + uri) else {
            return .error(400, "malformed request target")
        }
        let parts = components.path.split(separator: "/").map(String.init)
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        do {
            switch parts {
            case []: return await Dashboard.page(rt)
            case ["health"]:
                let report = await HealthChecker.service(rt)
                return HTTPReply(status: report.status == .down ? 503 : 200, body: try json(report))
            case ["metrics"]:
                return HTTPReply(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: await ServiceMetrics.render(rt))
            case ["api", "portfolio"]:
                return HTTPReply(status: 200, body: try json(try await rt.trader.summary()))
            case ["api", "positions"]:
                var wanted: Set<PositionStatus>?
                if let status = query["status"] {
                    guard let s = PositionStatus(rawValue: status) else {
                        return .error(400, "status must be one of opening, open, closing, closed")
                    }
                    wanted = [s]
                }
                return HTTPReply(status: 200, body: try json(try rt.store.positions(status: wanted)))
            case ["api", "trades"]:
                let limit = try limitParameter(query, default: 100)
                let trades = Trades(orders: try rt.store.orders(limit: limit), fills: try rt.store.fills(orderRef: nil))
                return HTTPReply(status: 200, body: try json(trades))
            case let p where p.count == 4 && p[0] == "api" && p[1] == "chains" && p[3] == "latest":
                let symbol = p[2].uppercased()
                guard symbol.count <= 10, symbol.allSatisfy({ $0.isLetter || $0 == "." }) else {
                    return .error(400, "'\(p[2])' is not a ticker symbol")
                }
                guard let chain = try rt.store.latestChain(symbol: symbol, expiryFrom: nil, expiryTo: nil, right: nil)
                else { return .error(404, "no chain stored for \(symbol)") }
                return HTTPReply(status: 200, body: try json(chain))
            case ["api", "cycles"]:
                return HTTPReply(
                    status: 200, body: try json(try rt.store.cycles(limit: try limitParameter(query, default: 20))))
            default:
                return .error(404, "no route \(components.path); try /health, /metrics or /api/...")
            }
        } catch let bad as BadParameter {
            return .error(400, bad.message)
        } catch {
            return .error(500, "\(error)")
        }
    }

    struct Trades: Encodable {
        var orders: [OrderRecord]
        var fills: [FillRecord]
    }

    struct BadParameter: Error {
        let message: String
    }

    static func limitParameter(_ query: [String: String], default value: Int) throws -> Int {
        guard let text = query["limit"] else { return value }
        guard let n = Int(text), (1...1000).contains(n) else {
            throw BadParameter(message: "limit must be an integer from 1 to 1000, got '\(text)'")
        }
        return n
    }

    static func json<T: Encodable>(_ value: T) throws -> String { try JSONOutput.render(value) }
}

/// The one JSON rendering of the CLI's `--json` outputs and the HTTP API: sorted keys, ISO-8601
/// dates, non-finite numbers as strings (never an encoding failure).
public enum JSONOutput {
    public static func render<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
