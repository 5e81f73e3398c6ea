import Foundation
import Logging
import OptionsModel
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How the client talks to Polygon.
public struct PolygonClientConfiguration: Sendable {
    public var baseURL: URL
    /// Every request counts, each next_url page too (free plan: 5 a minute).
    public var requestsPerMinute: Int
    public var timeout: Duration
    /// Retries of a 429 or 5xx before giving up.
    public var maxRetries: Int

    public init(baseURL: URL, requestsPerMinute: Int = 5, timeout: Duration = .seconds(20), maxRetries: Int = 4) {
        self.baseURL = baseURL
        self.requestsPerMinute = requestsPerMinute
        self.timeout = timeout
        self.maxRetries = maxRetries
    }
}

/// The HTTP exchange the client needs, behind a protocol so the logic stays testable; production and
/// tests both use `URLSessionTransport` over a real socket.
public protocol HTTPTransport: Sendable {
    /// GET `url` with `headers`.
    func get(_ url: URL, headers: [String: String], timeout: Duration) async throws -> (
        status: Int, headers: [String: String], body: Data
    )
}

/// URLSession (FoundationNetworking, libcurl) transport: already in the toolchain, so no BoringSSL build.
/// Redirects are followed only within the same origin (`SameOriginRedirects`).
public struct URLSessionTransport: HTTPTransport {
    /// One session for every client: its delegate refuses cross-origin redirects.
    static let session = URLSession(
        configuration: .ephemeral, delegate: SameOriginRedirects(), delegateQueue: nil)

    /// The transport.
    public init() {}

    public func get(_ url: URL, headers: [String: String], timeout: Duration) async throws -> (
        status: Int, headers: [String: String], body: Data
    ) {
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw PolygonError(.transport, "no HTTP response") }
        var out: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { out[name.lowercased()] = value }
        }
        return (http.statusCode, out, data)
    }
}

/// A request-per-minute budget over a sliding minute, with injectable time for tests.
public final class PolygonRateLimiter: Sendable {
    public let perMinute: Int
    private let now: @Sendable () -> Double
    private let sent = Mutex([Double]())

    /// `now` returns seconds on any monotonic scale.
    public init(perMinute: Int, now: @escaping @Sendable () -> Double) {
        self.perMinute = max(1, perMinute)
        self.now = now
    }

    /// Seconds to wait before the next request may go (0 = now, and it is counted).
    public func reserve() -> Double {
        sent.withLock { times in
            let t = now()
            times.removeAll { $0 <= t - 60 }
            if times.count < perMinute {
                times.append(t)
                return 0
            }
            return (times.first ?? t) + 60 - t + 0.001
        }
    }
}

/// Polygon's REST API: option chain snapshots (all pages), daily aggregates, index values. The key
/// goes only in the Authorization header, only to polygon.base_url's origin over https
/// (`PolygonKeyGuard`); it never appears in a URL, an error or a log line, even when the server echoes it.
public final class PolygonClient: Sendable {
    public let configuration: PolygonClientConfiguration
    private let apiKey: String
    private let transport: any HTTPTransport
    private let logger: Logger
    private let limiter: PolygonRateLimiter
    private let sleep: @Sendable (Duration) async throws -> Void
    let calendar = MarketCalendar()

    /// A client; `sleep` and `now` are injectable so tests never wait real minutes.
    public init(
        configuration: PolygonClientConfiguration, apiKey: String, logger: Logger = Logger(label: "polygon"),
        transport: any HTTPTransport = URLSessionTransport(),
        now: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.apiKey = apiKey
        self.transport = transport
        self.logger = logger
        self.limiter = PolygonRateLimiter(perMinute: configuration.requestsPerMinute, now: now)
        self.sleep = sleep
    }

    /// Removes an `apiKey=` query value from text (Polygon's next_url never carries it, but be sure).
    static func redact(_ text: String) -> String {
        guard let range = text.range(of: "apiKey=") else { return text }
        let rest = text[range.upperBound...]
        let end = rest.firstIndex(of: "&") ?? rest.endIndex
        return String(text[..<range.upperBound]) + "REDACTED" + String(text[end...])
    }

    /// One GET with rate limiting, 429/5xx backoff (honouring Retry-After) and typed errors.
    func get(_ url: URL) async throws -> Data {
        do {
            return try await unscrubbedGet(url)
        } catch let error as PolygonError {
            throw scrubbed(error)
        }
    }

    /// `error` with the key cut out of every text that may have come from the server.
    func scrubbed(_ error: PolygonError) -> PolygonError {
        var e = error
        e.message = PolygonKeyGuard.scrub(e.message, key: apiKey)
        e.requestID = e.requestID.map { PolygonKeyGuard.scrub($0, key: apiKey) }
        return e
    }

    /// Refuses to send the key anywhere but polygon.base_url's origin over https (or loopback http).
    func checkDestination(_ url: URL) throws {
        if let problem = PolygonKeyGuard.insecurity(of: configuration.baseURL) {
            throw PolygonError(.insecure, "polygon.base_url \(problem); nothing was sent")
        }
        guard PolygonKeyGuard.sameOrigin(url, configuration.baseURL) else {
            throw PolygonError(
                .insecure,
                "the server pointed to \(url.scheme ?? "?")://\(url.host ?? "?") (not polygon.base_url's host); not followed, so the key was not sent there"
            )
        }
    }

    func unscrubbedGet(_ url: URL) async throws -> Data {
        try checkDestination(url)
        var attempt = 0
        let path = Self.redact(url.path)
        while true {
            let wait = limiter.reserve()
            if wait > 0 {
                try await sleep(.milliseconds(Int(wait * 1000)))
                continue
            }
            let response: (status: Int, headers: [String: String], body: Data)
            do {
                response = try await transport.get(
                    url, headers: ["Authorization": "Bearer \(apiKey)", "Accept": "application/json"],
                    timeout: configuration.timeout)
            } catch let error as PolygonError {
                throw error
            } catch {
                throw PolygonError(.transport, "GET \(path) failed: \(Self.redact(error.localizedDescription))")
            }
            logger.debug(
                "polygon request", metadata: ["polygon.path": "\(path)", "polygon.status": "\(response.status)"])
            let envelope = try? JSONDecoder().decode(Envelope.self, from: response.body)
            switch response.status {
            case 200..<300:
                if envelope?.status == "ERROR" {
                    throw PolygonError(
                        .server, envelope?.error ?? envelope?.message ?? "status ERROR", httpStatus: response.status,
                        requestID: envelope?.request_id)
                }
                return response.body
            case 429, 500..<600:
                attempt += 1
                guard attempt <= configuration.maxRetries else {
                    throw PolygonError(
                        response.status == 429 ? .rateLimited : .server, "\(path): gave up after \(attempt) attempts",
                        httpStatus: response.status, requestID: envelope?.request_id)
                }
                let retryAfter = response.headers["retry-after"].flatMap(Double.init) ?? pow(2, Double(attempt - 1))
                logger.notice(
                    "polygon backing off",
                    metadata: [
                        "polygon.path": "\(path)", "polygon.status": "\(response.status)",
                        "polygon.retry_in": "\(retryAfter)",
                    ])
                try await sleep(.milliseconds(Int(min(retryAfter, 60) * 1000)))
            case 401:
                throw PolygonError(
                    .unauthorized, "the API key was refused", httpStatus: 401, requestID: envelope?.request_id)
            case 403:
                throw PolygonError(
                    .notEntitled, envelope?.message ?? "not authorized for \(path)", httpStatus: 403,
                    requestID: envelope?.request_id)
            case 404:
                throw PolygonError(
                    .notFound, envelope?.message ?? "\(path) not found", httpStatus: 404,
                    requestID: envelope?.request_id)
            case 300..<400:
                let location = response.headers["location"].flatMap { URL(string: $0, relativeTo: url) }
                throw PolygonError(
                    .insecure,
                    "\(path) redirected to \(location?.host ?? "another address"): not followed, so the key was not sent there",
                    httpStatus: response.status, requestID: envelope?.request_id)
            default:
                throw PolygonError(
                    .server, "unexpected HTTP status for \(path)", httpStatus: response.status,
                    requestID: envelope?.request_id)
            }
        }
    }

    struct Envelope: Decodable {
        var status: String?
        var request_id: String?
        var error: String?
        var message: String?
    }

    func url(_ path: String, _ query: [(String, String)]) -> URL {
        var components = URLComponents(
            url: configuration.baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        components?.queryItems = query.isEmpty ? nil : query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components?.url ?? configuration.baseURL.appendingPathComponent(path)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw scrubbed(PolygonError(.decoding, "\(what): \(error)"))
        }
    }
}
