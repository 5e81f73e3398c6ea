import AppConfig
import Foundation
import Logging
import Metrics
import SnapshotStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One alert: what happened, in words, when (market time), about which symbol.
public struct Alert: Sendable, Equatable {
    public var kind: AlertEventKind
    public var message: String
    public var symbol: String?
    public var time: Date

    /// An alert.
    public init(kind: AlertEventKind, message: String, symbol: String? = nil, time: Date) {
        self.kind = kind
        self.message = message
        self.symbol = symbol
        self.time = time
    }

    /// The body a receiver of `format` gets: Slack's `{"text"}` or our JSON document.
    public func body(format: String) -> Data {
        let object: [String: String]
        if format == "slack" {
            object = ["text": "papertrader \(kind.rawValue): \(message)"]
        } else {
            var o = ["event": kind.rawValue, "message": message, "time": ISOTime.string(time)]
            if let symbol { o["symbol"] = symbol }
            object = o
        }
        // Strings only: serialization cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

/// Delivers alerts to the configured receivers beside the trading loop: `post` never waits (a bounded
/// queue; when it is full the alert is dropped and counted), delivery retries with doubling backoff,
/// and neither a message nor a log line carries a receiver's URL (hosts only).
public final class AlertDispatcher: Sendable {
    /// Sends one request and returns the HTTP status (the edge of the world, replaceable in tests).
    public typealias Transport = @Sendable (URLRequest) async throws -> Int

    let webhooks: [ResolvedWebhook]
    let attempts: Int
    let initialBackoff: Duration
    let transport: Transport
    let logger: Logger
    let stream: AsyncStream<Alert>
    let continuation: AsyncStream<Alert>.Continuation
    let dropped = Counter(label: "papertrader_alerts_dropped_total")
    let delivered = Counter(label: "papertrader_alerts_delivered_total")
    let failed = Counter(label: "papertrader_alerts_failed_total")

    /// A dispatcher over `webhooks`, holding at most `capacity` undelivered alerts.
    public init(
        webhooks: [ResolvedWebhook], capacity: Int, attempts: Int, initialBackoff: Duration = .seconds(1),
        transport: Transport? = nil, logger: Logger
    ) {
        self.webhooks = webhooks
        self.attempts = max(1, attempts)
        self.initialBackoff = initialBackoff
        self.transport = transport ?? Self.urlSession
        self.logger = logger
        (stream, continuation) = AsyncStream<Alert>.makeStream(bufferingPolicy: .bufferingOldest(max(1, capacity)))
    }

    /// Queues an alert for every receiver that wants its kind; false when the queue was full.
    @discardableResult
    public func post(_ alert: Alert) -> Bool {
        guard webhooks.contains(where: { $0.wants(alert.kind) }) else { return true }
        if case .dropped = continuation.yield(alert) {
            dropped.increment()
            logger.warning("alert dropped: the queue is full", metadata: ["alert.kind": "\(alert.kind.rawValue)"])
            return false
        }
        return true
    }

    /// No more alerts: `run` delivers what is queued, then returns.
    public func finish() { continuation.finish() }

    /// Delivers queued alerts until `finish` (or cancellation).
    public func run() async {
        for await alert in stream { await deliver(alert) }
    }

    /// Sends `alert` to each receiver that wants it, retrying failures; true when all took it.
    @discardableResult
    public func deliver(_ alert: Alert) async -> Bool {
        var all = true
        for hook in webhooks where hook.wants(alert.kind) {
            guard let url = URL(string: hook.url.value) else { continue }
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.timeoutInterval = 10
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = alert.body(format: hook.format)
            var delay = initialBackoff
            var done = false
            for attempt in 1...attempts {
                do {
                    let status = try await transport(request)
                    if (200..<300).contains(status) {
                        done = true
                        break
                    }
                    logger.warning(
                        "alert receiver answered \(status)",
                        metadata: ["alert.receiver": "\(hook.shownAs)", "alert.attempt": "\(attempt)"])
                } catch {
                    // The error text of a failed request can name the URL: the host stands in for it.
                    logger.warning(
                        "alert delivery failed",
                        metadata: ["alert.receiver": "\(hook.shownAs)", "alert.attempt": "\(attempt)"])
                }
                if attempt < attempts {
                    do { try await Task.sleep(for: delay) } catch { break }
                    delay *= 2
                }
            }
            if done { delivered.increment() } else { failed.increment() }
            all = all && done
        }
        return all
    }

    static let urlSession: Transport = { request in
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
