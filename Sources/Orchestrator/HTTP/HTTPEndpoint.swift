import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// The HTTP endpoint's server side: Hummingbird's HTTP/1 server with this project's limits — a cap on
/// concurrent connections (over-cap connections are accepted and closed at once) and a deadline for
/// each request (`HTTPServerLimits`). One value per server, since it holds that server's counters.
public struct HTTPEndpoint: Sendable {
    /// The limits in force.
    public let limits: HTTPServerLimits
    let counters = HTTPConnectionCounters()

    /// An endpoint with `limits`.
    public init(limits: HTTPServerLimits = HTTPServerLimits()) {
        self.limits = limits
    }

    /// Connections open now, turned away at the cap, and closed for missing their deadline, so far.
    public var connectionStats: (open: Int, refused: Int, timedOut: Int) {
        (
            counters.open.load(ordering: .relaxed), counters.refused.load(ordering: .relaxed),
            counters.timedOut.load(ordering: .relaxed)
        )
    }

    /// The HTTP/1 server: the cap, then Hummingbird's pipeline with the request deadline in it.
    public var server: HTTPServerBuilder {
        let limits = self.limits, counters = self.counters
        return HTTPServerBuilder { responder in
            var configuration = HTTP1Channel.Configuration(
                additionalChannelHandlers: [RequestDeadline(timeout: limits.requestTimeout, counters: counters)],
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))
            configuration.idleTimeout = nil  // RequestDeadline covers idle connections too.
            return CappedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: configuration), limits: limits,
                counters: counters)
        }
    }

    /// A Hummingbird application serving `router` on `host:port` (0 = any free port) with these
    /// limits; `onServerRunning` gets the bound port. Run it as a `Service` (it shuts down gracefully).
    public func application<Router: HTTPResponderBuilder>(
        router: Router, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<Router.Responder> where Router.Responder.Context == BasicRequestContext {
        Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), backlog: 64),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

/// Hummingbird's HTTP/1 child channel behind the connection cap.
struct CappedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let limits: HTTPServerLimits
    let counters: HTTPConnectionCounters

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard counters.admit(limit: limits.maxConnections) else {
            // Over the cap: give the descriptor back now rather than hold it idle. The pipeline is still
            // set up, since a failed setup would end the server's accept loop; its handler then finds
            // the channel closed and returns at once.
            return inner.setup(channel: channel, logger: logger).map { value in
                channel.close(promise: nil)
                return value
            }
        }
        channel.closeFuture.whenComplete { _ in counters.release() }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
