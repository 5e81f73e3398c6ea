import NIOCore
import NIOHTTPTypes
import Synchronization

/// Closes a connection that does not deliver a whole request within `timeout` of opening or of its
/// previous answer; no deadline runs while a route works on a request. It sits after Hummingbird's
/// HTTP/1 decoder, so a client trickling headers or a body, or holding a keep-alive connection idle,
/// is closed alike.
final class RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    let counters: HTTPConnectionCounters
    var timer: Scheduled<Void>?
    /// Requests received whole minus answers sent: below zero when a route answered before reading the
    /// whole body (the rest of that request is still under the deadline).
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
            if answering > 0 { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering -= 1
            if answering <= 0 { arm(context) }
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
