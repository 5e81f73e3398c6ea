import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP answer.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int, contentType: String = "application/json", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON error body `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> HTTPReply {
        let escaped = String(decoding: (try? JSONEncoder().encode(["error": message])) ?? Data(), as: UTF8.self)
        return HTTPReply(status: status, body: escaped)
    }
}

/// How much the HTTP endpoint lets clients take, so that no local process can starve the trader of
/// descriptors or threads: a cap on concurrent connections and a deadline for each request.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Connections served at once; more are accepted and closed at once (so they hold no descriptor).
    public var maxConnections: Int
    /// A connection must deliver a complete request (headers and body) within this time of opening or
    /// of its previous answer, or it is closed: idle keep-alive and slow-header clients alike.
    public var requestTimeout: Duration

    /// Limits; the default cap leaves most of the descriptor limit to the gateway, the store and the runtime.
    public init(maxConnections: Int = HTTPServerLimits.defaultMaxConnections(), requestTimeout: Duration = .seconds(5))
    {
        self.maxConnections = max(1, maxConnections)
        self.requestTimeout = requestTimeout
    }

    /// 64, or an eighth of what the descriptor limit leaves after 128 reserved, whichever is smaller.
    public static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 16 }
        // RLIM_INFINITY is the largest value: clamping maps it (and any huge limit) to Int.max.
        let soft = min(Int(clamping: limit.rlim_cur), 65536)
        return max(4, min(64, (soft - 128) / 8))
    }
}

/// A small HTTP/1.1 server on SwiftNIO: each request (method, URI) goes to an async handler; a
/// handler that throws becomes a 500, never a crash. Connections are capped and each request has a
/// deadline (`HTTPServerLimits`).
public final class HTTPServer: Sendable {
    let channel: any Channel
    /// The bound port (useful when 0 was asked).
    public let port: Int
    /// The limits in force.
    public let limits: HTTPServerLimits
    let counters: HTTPConnectionCounters

    init(channel: any Channel, port: Int, limits: HTTPServerLimits, counters: HTTPConnectionCounters) {
        self.channel = channel
        self.port = port
        self.limits = limits
        self.counters = counters
    }

    /// Connections open now, turned away at the cap, and closed for missing their deadline, so far.
    public var connectionStats: (open: Int, refused: Int, timedOut: Int) {
        (
            counters.open.load(ordering: .relaxed), counters.refused.load(ordering: .relaxed),
            counters.timedOut.load(ordering: .relaxed)
        )
    }

    /// Binds `host:port` and serves until `stop()`.
    public static func start(
        host: String, port: Int, limits: HTTPServerLimits = HTTPServerLimits(),
        handler: @escaping @Sendable (String, String) async -> HTTPReply
    ) async throws -> HTTPServer {
        let counters = HTTPConnectionCounters()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard counters.admit(limit: limits.maxConnections) else {
                    // Over the cap: give the descriptor back now rather than hold it idle.
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in counters.release() }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        RequestDeadline(timeout: limits.requestTimeout, counters: counters))
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPServer(
            channel: channel, port: channel.localAddress?.port ?? port, limits: limits, counters: counters)
    }

    /// Closes the listening socket.
    public func stop() async {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Stopped twice: nothing left to close.
        } catch {
            // The listening socket is gone either way; nothing else depends on how it closed.
        }
    }
}

/// Connection counts shared by the server's child channels.
final class HTTPConnectionCounters: Sendable {
    let open = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let timedOut = Atomic<Int>(0)

    /// Counts a new connection if there is room under `limit`.
    func admit(limit: Int) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// A counted connection closed.
    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// Closes a connection that does not deliver a whole request within `timeout` of opening or of its
/// previous answer; no deadline runs while the handler works on a request.
final class RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let timeout: TimeAmount
    let counters: HTTPConnectionCounters
    var timer: Scheduled<Void>?
    var answering = 0

    init(timeout: Duration, counters: HTTPConnectionCounters) {
        let c = timeout.components
        self.timeout = .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            answering += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering -= 1
            if answering == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        let counters = self.counters
        timer = context.eventLoop.scheduleTask(in: timeout) {
            counters.timedOut.wrappingAdd(1, ordering: .relaxed)
            channel.close(promise: nil)
        }
    }

    func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Collects a request and writes the handler's reply.
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: @Sendable (String, String) async -> HTTPReply
    var head: HTTPRequestHead?

    init(handler: @escaping @Sendable (String, String) async -> HTTPReply) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let handler = self.handler
            let method = head.method.rawValue
            let uri = head.uri
            let keepAlive = head.isKeepAlive
            let version = head.version
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: HTTPReply.self)
            promise.completeWithTask { await handler(method, uri) }
            promise.futureResult.whenSuccess { reply in
                Self.write(reply, context: bound.value, version: version, keepAlive: keepAlive)
            }
        }
    }

    static func write(_ reply: HTTPReply, context: ChannelHandlerContext, version: HTTPVersion, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: reply.body.utf8.count)
        buffer.writeString(reply.body)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
