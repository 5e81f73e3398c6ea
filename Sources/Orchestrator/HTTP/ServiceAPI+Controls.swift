import AppConfig
import Foundation
import Hummingbird
import MarketData
import OptionsModel
import SnapshotStore
import Trading

/// The operator's routes: `GET /api/explain/{symbol}` (read), and the controls, each behind the
/// bearer token (`ControlAccess`) and journaled (`control`) with its origin:
/// `POST /api/positions/{id}/close`, `POST /api/flatten[?symbol=S]`,
/// `POST /api/orders/cancel[?older_than_minutes=N]`, `POST /api/kill-switch` (`on` or `off`, in the
/// body or as `?state=`).
extension ServiceAPI {
    static func addControlRoutes(_ routes: APIRoutes, _ rt: Runtime) {
        let access = ControlAccess(token: rt.controlToken, tokenEnv: rt.config.http.tokenEnv)
        routes.get("/api/explain/{symbol}") { _, context in
            let symbol = try symbolParameter(context)
            guard let picture = try StoredPictures.latest(store: rt.store, symbols: [symbol]).first else {
                return .error(404, "no chain stored for \(symbol)")
            }
            let explanation = try await rt.trader.explain(
                picture, now: picture.chain.timestamp, killSwitch: rt.killSwitchOn())
            return HTTPReply(status: 200, body: try json(explanation))
        }
        routes.post("/api/positions/{id}/close") { request, context in
            if let refusal = access.refusal(request) { return refusal }
            guard let id = context.parameters.get("id", as: Int64.self) else {
                return .error(400, "'\(context.parameters.get("id") ?? "")' is not a position id")
            }
            let now = await rt.marketTime()
            let result = await rt.trader.close(positionID: id, reason: .manual, now: now)
            try control(rt, request, now: now, symbol: nil, "close position \(id): \(result.message)", result)
            let status =
                switch result.outcome {
                case .closed: 200
                case .pending: 202
                case .notFound: 404
                case .notOpen: 409
                }
            return HTTPReply(status: status, body: try json(result))
        }
        routes.post("/api/flatten") { request, _ in
            if let refusal = access.refusal(request) { return refusal }
            let symbol = try request.query("symbol").map { raw -> String in
                let s = raw.uppercased()
                guard isSymbol(s) else { throw BadParameter(message: "'\(raw)' is not a ticker symbol") }
                return s
            }
            let now = await rt.marketTime()
            let results = await rt.trader.flatten(symbol: symbol, reason: .manual, now: now)
            let closed = results.filter { $0.outcome == .closed }.count
            let message = "flatten \(symbol ?? "all"): \(closed) of \(results.count) closed"
            try control(rt, request, now: now, symbol: symbol, message, results)
            return HTTPReply(status: 200, body: try json(FlattenReply(symbol: symbol, results: results)))
        }
        routes.post("/api/orders/cancel") { request, _ in
            if let refusal = access.refusal(request) { return refusal }
            var olderThan: TimeInterval?
            if let text = request.query("older_than_minutes") {
                guard let minutes = Int(text), (0...100_000).contains(minutes) else {
                    return .error(400, "older_than_minutes must be an integer from 0 to 100000, got '\(text)'")
                }
                olderThan = TimeInterval(minutes * 60)
            }
            let now = await rt.marketTime()
            let result = await rt.trader.cancelWorkingOrders(olderThan: olderThan, now: now)
            let message =
                "cancel working orders\(olderThan.map { " older than \(Int($0 / 60)) min" } ?? ""): \(result.cancelled.count) cancelled, \(result.failed.count) failed"
            try control(rt, request, now: now, symbol: nil, message, result)
            return HTTPReply(status: result.failed.isEmpty ? 200 : 502, body: try json(result))
        }
        routes.post("/api/kill-switch") { request, _ in
            if let refusal = access.refusal(request) { return refusal }
            var request = request
            let body = try await request.collectBody(upTo: 1024)
            guard let on = try switchState(query: request.query("state"), body: String(buffer: body)) else {
                return .error(400, "say on or off: in the body, as {\"state\":\"on\"}, or as ?state=on")
            }
            guard let killSwitch = KillSwitchControl(config: rt.config) else {
                return .error(409, "risk.kill_switch_file is empty: the file switch is disabled")
            }
            do {
                if on { try killSwitch.turnOn() } else { try killSwitch.turnOff() }
            } catch {
                return .error(409, "\(error)")
            }
            let reply = KillSwitchReply(on: rt.killSwitchOn(), status: killSwitch.statusLine)
            try control(rt, request, now: await rt.marketTime(), symbol: nil, reply.status, reply)
            return HTTPReply(status: 200, body: try json(reply))
        }
    }

    struct FlattenReply: Encodable {
        var symbol: String?
        var results: [ManualCloseResult]
    }

    struct KillSwitchReply: Encodable {
        var on: Bool
        var status: String
    }

    /// Journals a control action with its origin and its result (as the event's data).
    static func control(
        _ rt: Runtime, _ request: Request, now: Date, symbol: String?, _ message: String, _ result: some Encodable
    ) throws {
        let origin = ControlAccess.origin(request)
        try rt.store.append(
            JournalEvent(
                time: now, kind: .control, symbol: symbol, message: "\(message) (from \(origin))",
                data: try json(ControlRecord(origin: origin, route: request.uri.path, result: result))))
    }

    struct ControlRecord<R: Encodable>: Encodable {
        var origin: String
        var route: String
        var result: R
    }

    /// `on`/`off` from `?state=`, or a body of `on`, `off`, `state=on` or `{"state":"on"}`; nil: neither.
    static func switchState(query: String?, body: String) throws -> Bool? {
        var word = query ?? body.trimmingCharacters(in: .whitespacesAndNewlines)
        if word.hasPrefix("{") {
            struct Body: Decodable { var state: String }
            guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(word.utf8)) else {
                throw BadParameter(message: "the body is not {\"state\":\"on\"} or {\"state\":\"off\"}")
            }
            word = decoded.state
        } else if word.hasPrefix("state=") {
            word = String(word.dropFirst("state=".count))
        }
        switch word.lowercased() {
        case "on": return true
        case "off": return false
        default: return nil
        }
    }
}
