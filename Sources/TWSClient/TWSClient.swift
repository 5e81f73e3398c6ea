import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import OptionsModel
import Synchronization
import TWSWire

/// The connection to an IB Gateway or TWS: `run()` owns the socket, the read loop and reconnects;
/// the async API methods can be called concurrently from any task while it runs.
public final class TWSClient: Sendable {
    public let configuration: TWSClientConfiguration
    let logger: Logger
    let bucket: TokenBucket<ContinuousClock>
    let historical: HistoricalPacer<ContinuousClock>
    let lines: MarketDataLines
    let state = Mutex(ClientState())
    let eventsContinuation: AsyncStream<TWSClientEvent>.Continuation
    /// Connection-level events (connects, disconnects, farm notices, 1100/1101/1102, 10197).
    public let events: AsyncStream<TWSClientEvent>
    let readiness = Mutex(Readiness())
    /// Serialises requests whose replies carry no reqId (positions, open orders ...).
    let topicLock = MarketDataLines(capacity: 1)
    /// Requests to send from places that cannot wait (stream terminations, 1101 resubscribes).
    let outbox: AsyncStream<TWSRequest>
    let outboxContinuation: AsyncStream<TWSRequest>.Continuation

    struct Connection {
        let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let channel: any Channel
        let info: TWSConnectionInfo
        let capture: WireCapture?
    }

    /// Who waits for a connection, and the refusal that ends every wait for good. One lock for both,
    /// so a waiter can never park after the refusal was announced.
    struct Readiness {
        var waiters: [(id: UUID, continuation: CheckedContinuation<TWSConnectionInfo, any Error>)] = []
        var refusal: TWSClientError?
    }

    struct ClientState {
        var connection: Connection?
        var status = TWSConnectionStatus()
        var nextReqId = 1000
        var nextOrderId = 1
        var routes: [Int: AsyncThrowingStream<TWSServerMessage, any Error>.Continuation] = [:]
        var topics: [String: AsyncThrowingStream<TWSServerMessage, any Error>.Continuation] = [:]
        var orders: [Int: AsyncStream<TWSOrderEvent>.Continuation] = [:]
        /// Every execId seen, with its order: an execution re-delivered reaches its order only once.
        var execToOrder: [String: Int] = [:]
        /// ExecIds whose commission report reached their order (reports are re-delivered too).
        var commissionsDelivered: Set<String> = []
        /// Live streaming subscriptions, re-sent after reconnects and 1101.
        var subscriptions: [Int: TWSReqMktData] = [:]
        var lastError: String?
    }

    /// A client for `configuration`; nothing happens until `run()`.
    public init(configuration: TWSClientConfiguration, logger: Logger = Logger(label: "tws-client")) {
        self.configuration = configuration
        self.logger = logger
        // Any one-second window sees at most burst + rate messages: keep that under IB's limit.
        let limit = Double(configuration.maxMessagesPerSecond)
        let rate = limit * 0.9
        self.bucket = TokenBucket(rate: rate, burst: max(1, limit - rate - 1), clock: ContinuousClock())
        self.historical = HistoricalPacer(clock: ContinuousClock())
        self.lines = MarketDataLines(capacity: configuration.maxMarketDataLines)
        (events, eventsContinuation) = AsyncStream<TWSClientEvent>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        (outbox, outboxContinuation) = AsyncStream<TWSRequest>.makeStream()
    }

    // MARK: Lifecycle

    /// Connects and keeps the connection up (exponential backoff with jitter between attempts)
    /// until cancelled. A connection-fatal refusal (client id in use, unsupported version) ends it with
    /// that error, and every call waiting for a connection, now or later, fails with it at once.
    public func run() async throws {
        defer { eventsContinuation.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await request in self.outbox {
                    try? await self.send(request)
                }
            }
            defer { group.cancelAll() }
            try await connectionLoop()
        }
    }

    func connectionLoop() async throws {
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await connectOnce()
                attempt = 0
            } catch let error as TWSClientError where error.isConnectionFatal {
                state.withLock { $0.lastError = error.message }
                logger.error("the gateway refused this client", metadata: ["tws.error": "\(error.message)"])
                refuse(error)
                throw error
            } catch is CancellationError {
                break
            } catch {
                let reason = (error as? TWSClientError)?.description ?? "\(error)"
                state.withLock { $0.lastError = reason }
                logger.warning("gateway connection failed", metadata: ["tws.error": "\(reason)"])
            }
            guard !Task.isCancelled else { break }
            attempt += 1
            let delay = backoff(attempt: attempt)
            eventsContinuation.yield(.reconnecting(attempt: attempt, delay: delay))
            try? await Task.sleep(for: delay)
        }
        failReadyWaiters(CancellationError())
    }

    /// Exponential backoff from the initial delay to the maximum, with up to 20% jitter.
    func backoff(attempt: Int) -> Duration {
        let base = configuration.reconnectInitialBackoff.seconds * pow(2, Double(min(attempt - 1, 16)))
        let capped = min(configuration.reconnectMaxBackoff.seconds, base)
        return .milliseconds(Int(capped * Double.random(in: 0.8...1.0) * 1000))
    }

    /// Waits (up to `timeout`) until a connection is ready; throws the gateway's refusal as soon as it
    /// arrives (a `TWSClientError` whose `isConnectionFatal` is true) rather than waiting out the timeout.
    public func waitUntilReady(timeout: Duration? = nil) async throws -> TWSConnectionInfo {
        if let info = state.withLock({ $0.connection?.info }) { return info }
        if let refusal { throw refusal }
        return try await withTimeout(
            timeout ?? configuration.requestTimeout, what: "waiting for the gateway connection"
        ) {
            let id = UUID()
            // A parked waiter must wake on cancellation, or the timeout could never end the wait.
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let ready: TWSConnectionInfo? = self.state.withLock { $0.connection?.info }
                    if let ready {
                        continuation.resume(returning: ready)
                    } else if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        let refusal = self.readiness.withLock { r -> TWSClientError? in
                            if r.refusal == nil { r.waiters.append((id, continuation)) }
                            return r.refusal
                        }
                        if let refusal { continuation.resume(throwing: refusal) }
                    }
                }
            } onCancel: {
                let waiter = self.readiness.withLock { r -> CheckedContinuation<TWSConnectionInfo, any Error>? in
                    guard let index = r.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return r.waiters.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    func failReadyWaiters(_ error: any Error) {
        for w in takeReadyWaiters() { w.continuation.resume(throwing: error) }
    }

    /// Records the gateway's refusal for good and fails everyone waiting with it.
    func refuse(_ refusal: TWSClientError) {
        let waiters = readiness.withLock { r in
            defer { r.waiters = [] }
            r.refusal = refusal
            return r.waiters
        }
        for w in waiters { w.continuation.resume(throwing: refusal) }
    }

    func takeReadyWaiters() -> [(id: UUID, continuation: CheckedContinuation<TWSConnectionInfo, any Error>)] {
        readiness.withLock { r in
            defer { r.waiters = [] }
            return r.waiters
        }
    }

    /// The connection's state now (nil info while disconnected).
    public var connectionInfo: TWSConnectionInfo? { state.withLock { $0.connection?.info } }
    /// Farms, connectivity and competing-session status from IB's notices.
    public var status: TWSConnectionStatus { state.withLock { $0.status } }
    /// The last connection failure, if any.
    public var lastError: String? { state.withLock { $0.lastError } }
    /// Why the gateway refused this client for good (client id in use, unsupported version), in
    /// words; nil while connecting can still succeed.
    public var refusal: TWSClientError? { readiness.withLock { $0.refusal } }
    /// Market-data lines in use now.
    public var linesInUse: Int { lines.inUse }
    /// The most lines used at once.
    public var peakLines: Int { lines.peak }
    /// How often the pacer made a message wait.
    public var pacingWaits: Int { bucket.waits }

    /// One connection: connect, handshake, serve until it closes.
    func connectOnce() async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(configuration.connectTimeout.seconds * 1000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw TWSClientError(
                .connectionRefused,
                "cannot connect to \(configuration.host):\(configuration.port) (\(error)): is IB Gateway/TWS running with the API enabled on this port?"
            )
        }
        let capture = try configuration.captureFile.map { try WireCapture(path: $0) }
        // A new connection starts with a clean status; notices during the handshake fill it.
        state.withLock { $0.status = TWSConnectionStatus() }
        let raw = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            var machine = TWSConnectionStateMachine(maxServerVersion: configuration.maxServerVersion)
            guard case .sendHello(let hello) = machine.connected() else { return }
            let helloBytes = hello.encode()
            capture?.client(helloBytes)
            try await outbound.write(helloBytes)
            var iterator = inbound.makeAsyncIterator()
            var buffer = ByteBuffer()
            var frames = TWSFrameDecoder()

            // Handshake under a timeout: server hello, START_API, then accounts + next id. The timer
            // closes the socket; reading stays in this task (NIO's iterator must not change tasks).
            let timedOut = Flag()
            let info: TWSConnectionInfo = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(for: self.configuration.handshakeTimeout)
                    timedOut.set()
                    try? await raw.close()
                }
                defer { group.cancelAll() }
                var serverVersion: Int?
                while true {
                    while let frame = try frames.decode(buffer: &buffer) {
                        capture?.server(frame: frame)
                        let action: TWSConnectionStateMachine.Action
                        if let version = serverVersion {
                            let message = try TWSServerMessage.decode(payload: frame, serverVersion: version)
                            action = machine.messageReceived(message, clientId: configuration.clientId)
                            self.route(message)
                        } else {
                            action = machine.serverHelloReceived(try Self.decodeServerHello(frame))
                        }
                        switch action {
                        case .sendStartAPI(let version):
                            serverVersion = version
                            var start = ByteBuffer()
                            try TWSRequest.startApi(TWSStartAPI(clientId: configuration.clientId)).encode(
                                serverVersion: version, into: &start)
                            capture?.client(start)
                            try await outbound.write(start)
                        case .ready(let info):
                            return info
                        case .fail(let code, let message):
                            throw TWSClientError(code, message)
                        case .sendHello, .none:
                            break
                        }
                    }
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await iterator.next()
                    } catch {
                        chunk = nil
                    }
                    guard var chunk else {
                        if timedOut.isSet, case .fail(let code, let message) = machine.handshakeTimedOut() {
                            throw TWSClientError(code, message)
                        }
                        if case .fail(let code, let message) = machine.closed() { throw TWSClientError(code, message) }
                        throw TWSClientError(.disconnected, "connection closed")
                    }
                    TWSFrameDecoder.append(&chunk, to: &buffer)
                }
            }
            try await serve(
                info: info, writer: outbound, channel: raw, capture: capture, buffer: buffer, frames: frames,
                iterator: &iterator)
        }
    }

    /// Ready: publish the connection, restore subscriptions, then read until the socket closes.
    func serve(
        info: TWSConnectionInfo, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel,
        capture: WireCapture?,
        buffer initial: ByteBuffer, frames initialFrames: TWSFrameDecoder,
        iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    ) async throws {
        let connection = Connection(writer: writer, channel: channel, info: info, capture: capture)
        // A new session starts at live data: the configured type goes out on every connection, before
        // any caller can send a request that it should govern.
        if configuration.marketDataType != .live {
            try await write(
                .reqMarketDataType(TWSReqMarketDataType(marketDataType: configuration.marketDataType.rawValue)),
                on: connection)
        }
        let restore = state.withLock { s -> [TWSReqMktData] in
            s.connection = connection
            s.nextOrderId = max(s.nextOrderId, info.nextOrderId)
            return Array(s.subscriptions.values)
        }
        logger.info(
            "connected to gateway",
            metadata: [
                "tws.server_version": "\(info.serverVersion)",
                "tws.accounts": "\(info.accounts.joined(separator: ","))",
            ])
        eventsContinuation.yield(.connected(info))
        for w in takeReadyWaiters() { w.continuation.resume(returning: info) }
        await resubscribe(restore)

        var buffer = initial
        var frames = initialFrames
        // Made once per connection: a factory lookup per message would cost more than decoding it.
        let messagesIn = Metrics.Counter(label: "tws_messages_in_total")
        defer { connectionLost("the gateway closed the connection") }
        while true {
            // One pass over the receive buffer per read: no slice per frame.
            try frames.forEachPayload(in: &buffer) { payload in
                capture?.server(payload: payload)
                messagesIn.increment()
                do {
                    route(try TWSServerMessage.decode(bytes: payload, serverVersion: info.serverVersion))
                } catch {
                    // One bad message must not drop the connection; the frame boundary is intact.
                    logger.error("undecodable message from the gateway", metadata: ["tws.error": "\(error)"])
                }
            }
            guard var chunk = try await iterator.next() else { return }
            TWSFrameDecoder.append(&chunk, to: &buffer)
        }
    }

    /// Fails everything in flight with a retryable error and forgets the connection.
    func connectionLost(_ reason: String) {
        let (routes, topics, orders) = state.withLock { s in
            defer {
                s.connection = nil
                s.routes = [:]
                s.topics = [:]
            }
            return (Array(s.routes.values), Array(s.topics.values), Array(s.orders.values))
        }
        let error = TWSClientError(.disconnected, reason + "; in-flight requests failed and can be retried")
        for r in routes { r.finish(throwing: error) }
        for t in topics { t.finish(throwing: error) }
        for o in orders { o.yield(.error(code: TWSErrorCode.notConnected.rawValue, message: "Not connected")) }
        eventsContinuation.yield(.disconnected(reason: reason))
    }

    // MARK: Sending

    /// Sends a request through the pacer (never above 90% of IB's message rate).
    func send(_ request: TWSRequest) async throws {
        try await bucket.acquire()
        guard let connection = state.withLock({ $0.connection }) else {
            throw refusal ?? TWSClientError(.notConnected, "not connected to the gateway")
        }
        try await write(request, on: connection, paced: false)
    }

    /// Encodes and writes one request on `connection` (through the pacer unless the caller already was).
    func write(_ request: TWSRequest, on connection: Connection, paced: Bool = true) async throws {
        if paced { try await bucket.acquire() }
        var buffer = ByteBuffer()
        try request.encode(serverVersion: connection.info.serverVersion, into: &buffer)
        connection.capture?.client(buffer)
        Metrics.Counter(label: "tws_messages_out_total").increment()
        do {
            try await connection.writer.write(buffer)
        } catch {
            throw TWSClientError(.disconnected, "the connection closed while sending \(request.name)")
        }
    }

    func allocateRequestId() -> Int {
        state.withLock { s in
            s.nextReqId += 1
            return s.nextReqId
        }
    }

    func allocateOrderId() -> Int {
        state.withLock { s in
            defer { s.nextOrderId += 1 }
            return s.nextOrderId
        }
    }

    /// The server's hello; a version we cannot speak is the gateway's refusal, not a retryable fault.
    static func decodeServerHello(_ frame: ByteBuffer) throws -> TWSServerHello {
        do {
            return try TWSServerHello.decode(payload: frame)
        } catch let error as TWSWireError where error.code == .unsupportedVersion {
            throw TWSClientError(
                .serverVersionUnsupported, "the gateway's API version is not supported: \(error.message)")
        }
    }

    /// Internal marker yielded into a stream's route when its subscription was re-sent.
    static let resubscribedMarker = TWSServerMessage.unhandled(id: -1, fields: ["resubscribed"])

    /// Re-sends live subscriptions (after a reconnect or 1101).
    func resubscribe(_ requests: [TWSReqMktData]) async {
        guard !requests.isEmpty else { return }
        for request in requests {
            try? await send(.reqMktData(request))
            state.withLock { s in _ = s.routes[request.reqId]?.yield(TWSClient.resubscribedMarker) }
        }
        eventsContinuation.yield(.subscriptionsRestored(count: requests.count))
    }
}

/// A one-way flag shared between tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Runs `body`, failing with `onTimeout()` (default: a request timeout) after `duration`.
func withTimeout<T: Sendable>(
    _ duration: Duration, what: String,
    onTimeout: @escaping @Sendable () -> any Error = { TWSClientError(.requestTimeout, "timed out") },
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            let error = onTimeout()
            if let e = error as? TWSClientError, e.code == .requestTimeout {
                throw TWSClientError(.requestTimeout, "\(what) timed out after \(duration)")
            }
            throw error
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
