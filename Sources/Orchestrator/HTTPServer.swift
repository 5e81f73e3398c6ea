import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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

/// A small HTTP/1.1 server on SwiftNIO: each request (method, URI) goes to an async handler; a
/// handler that throws becomes a 500, never a crash.
public final class HTTPServer: Sendable {
    let channel: any Channel
    /// The bound port (useful when 0 was asked).
    public let port: Int

    init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds `host:port` and serves until `stop()`.
    public static func start(
        host: String, port: Int, handler: @escaping @Sendable (String, String) async -> HTTPReply
    ) async throws -> HTTPServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPServer(channel: channel, port: channel.localAddress?.port ?? port)
    }

    /// Closes the listening socket.
    public func stop() async {
        try? await channel.close()
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
