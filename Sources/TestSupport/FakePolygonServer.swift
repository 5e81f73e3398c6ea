import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP server that answers like Polygon's REST API from scripted responses (bodies taken
/// from `../shared/fixtures/polygon` or generated in the same shape). It records every request so
/// tests can check headers and that the API key never appears in a URL. A body containing
/// `{{authorization}}` gets the request's Authorization header in its place, as a careless or hostile
/// server that echoes the key would send.
public final class FakePolygonServer: Sendable {
    /// One scripted answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: Data

        public init(status: Int = 200, headers: [(String, String)] = [], body: Data) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A JSON body.
        public static func json(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: headers + [("Content-Type", "application/json")], body: Data(text.utf8))
        }

        /// A redirect to `location`.
        public static func redirect(to location: String, status: Int = 302) -> Response {
            Response(status: status, headers: [("Location", location)], body: Data())
        }

        /// A body from `../shared/fixtures/polygon/<relative>`.
        public static func fixture(_ relative: String, status: Int = 200) throws -> Response {
            Response(
                status: status, headers: [("Content-Type", "application/json")],
                body: try Data(contentsOf: Fixtures.shared("polygon/" + relative)))
        }
    }

    /// A request the server received (it also stands in for a webhook receiver: method and body kept).
    public struct Received: Sendable {
        public var uri: String
        public var headers: [String: String]
        public var method: String = "GET"
        public var body = Data()
    }

    struct Route {
        var path: String
        var query: String?
        var responses: [Response]
    }

    private let state = Mutex((routes: [Route](), received: [Received]()))
    private let channel: Mutex<(any Channel)?> = Mutex(nil)

    public init() {}

    /// Answers requests whose path equals `path` (and whose query contains `query`) with `responses`
    /// in turn, repeating the last one.
    public func route(_ path: String, query: String? = nil, _ responses: Response...) {
        state.withLock { $0.routes.append(Route(path: path, query: query, responses: responses)) }
    }

    /// Every request received so far.
    public var received: [Received] { state.withLock { $0.received } }

    /// Binds 127.0.0.1 on a free port and returns the base URL.
    public func start() async throws -> URL {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = server }
        // A literal scheme, host and a number: always a valid URL.
        return URL(string: "http://127.0.0.1:\(server.localAddress?.port ?? 0)")!
    }

    /// Stops the server.
    public func stop() async {
        let server = channel.withLock { $0 }
        try? await server?.close()
    }

    func answer(uri: String, headers: [String: String], method: String = "GET", body: Data = Data()) -> Response {
        state.withLock { s in
            s.received.append(Received(uri: uri, headers: headers, method: method, body: body))
            let parts = uri.split(separator: "?", maxSplits: 1)
            let path = String(parts.first ?? "")
            let query = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
            guard
                let index = s.routes.lastIndex(where: {
                    $0.path == path && ($0.query.map { query.contains($0) } ?? true)
                })
            else {
                return .json(#"{"status": "NOT_FOUND", "message": "no route for \#(path)"}"#, status: 404)
            }
            let response = s.routes[index].responses.first ?? .json("{}")
            if s.routes[index].responses.count > 1 { s.routes[index].responses.removeFirst() }
            return response
        }
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: FakePolygonServer
        var head: HTTPRequestHead?
        var body = Data()

        init(server: FakePolygonServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = Data()
            case .body(let chunk): body.append(contentsOf: chunk.readableBytesView)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                var response = server.answer(uri: head.uri, headers: headers, method: head.method.rawValue, body: body)
                let echo = Data("{{authorization}}".utf8)
                while let range = response.body.range(of: echo) {
                    response.body.replaceSubrange(range, with: Data((headers["authorization"] ?? "").utf8))
                }
                var responseHeaders = HTTPHeaders(response.headers)
                responseHeaders.add(name: "Content-Length", value: String(response.body.count))
                let status = HTTPResponseStatus(statusCode: response.status)
                context.write(
                    wrapOutboundOut(
                        .head(HTTPResponseHead(version: head.version, status: status, headers: responseHeaders))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
