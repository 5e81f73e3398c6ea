import AppConfig
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The CLI's twins of the control routes (`papertrader position close ID`, `papertrader flatten`):
/// one `run` owns the store (its lease) and the trader's state, so the CLI asks that process over
/// its HTTP endpoint, with the same bearer token (`http.token_env`, from the CLI's environment),
/// rather than touching the store itself.
public enum ControlClient {
    /// The running service's answer: its HTTP status and JSON body.
    public struct Answer: Sendable {
        /// The HTTP status (2xx: done or under way).
        public var status: Int
        /// The route's JSON answer.
        public var body: String
    }

    /// Why a control request could not be asked or was refused, in words that say what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong and what to do.
        public var description: String
    }

    /// `POST /api/positions/{id}/close` to the running service.
    public static func closePosition(_ id: Int64, loaded: LoadedConfig) async throws(Failure) -> Answer {
        try await post("/api/positions/\(id)/close", loaded: loaded)
    }

    /// `POST /api/flatten[?symbol=S]` to the running service.
    public static func flatten(symbol: String?, loaded: LoadedConfig) async throws(Failure) -> Answer {
        let query = symbol.map { "?symbol=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }
        return try await post("/api/flatten" + (query ?? ""), loaded: loaded)
    }

    static func post(_ path: String, loaded: LoadedConfig) async throws(Failure) -> Answer {
        let http = loaded.config.http
        guard http.enabled else {
            throw Failure(
                description: "http.enabled is false: the controls reach a running trader only through its HTTP endpoint"
            )
        }
        guard let token = loaded.httpToken else {
            throw Failure(
                description: http.tokenEnv.map {
                    "$\($0) (http.token_env) is not set here: export the token the running service was started with"
                } ?? "http.token_env is not set: the control routes are off (see README, Operator controls)")
        }
        // A wildcard bind is reached on loopback.
        let host = ["0.0.0.0", "::", "[::]"].contains(http.host) ? "127.0.0.1" : http.host
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let url = URL(string: "http://\(authority):\(http.port)\(path)") else {
            throw Failure(description: "cannot form a URL from http.host '\(http.host)' and http.port \(http.port)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = 120  // a close waits for the cycle under way, then for the venue
        request.setValue("Bearer \(token.value)", forHTTPHeaderField: "Authorization")
        request.setValue("cli", forHTTPHeaderField: "X-Papertrader-Origin")
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return Answer(status: status, body: String(decoding: data, as: UTF8.self))
        } catch let error as URLError where error.code == .cannotConnectToHost || error.code == .cannotFindHost {
            throw Failure(
                description:
                    "no papertrader run answers on \(host):\(http.port): the controls act on the running trader (start `papertrader run`, with the same http settings)"
            )
        } catch {
            throw Failure(
                description: "asking the running service at \(host):\(http.port) failed: \(error.localizedDescription)")
        }
    }
}
