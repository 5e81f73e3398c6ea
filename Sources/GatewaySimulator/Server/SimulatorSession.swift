import Foundation
import Logging
import NIOCore
import Synchronization
import TWSWire

/// Bytes from a client with the real time they came off the socket: IB counts messages as they
/// arrive, not as the session gets to them.
struct StampedChunk: Sendable {
    var bytes: ByteBuffer
    var arrival: ContinuousClock.Instant
}

/// Stamps every read with its arrival time, first in the pipeline.
final class ArrivalStamper: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = StampedChunk

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = StampedChunk(bytes: unwrapInboundIn(data), arrival: .now)
        context.fireChannelRead(wrapInboundOut(chunk))
    }
}

/// A session engine shared by the session's concurrent loops.
final class EngineBox: Sendable {
    private let mutex: Mutex<SessionEngine>

    init(_ engine: sending SessionEngine) {
        mutex = Mutex(engine)
    }

    func withLock<R>(_ body: (inout SessionEngine) -> R) -> R {
        mutex.withLock { body(&$0) }
    }
}

/// One client connection: handshake, START_API, then requests, streaming ticks and faults running
/// concurrently in a task group until the client leaves, a fault closes it, or the server stops.
final class SimulatorSession: Sendable {
    let shared: SimulatorShared
    let logger: Logger
    private let started = ContinuousClock.now

    init(shared: SimulatorShared, logger: Logger) {
        self.shared = shared
        self.logger = logger
    }

    /// Real seconds since the session began (IB's limits count real time).
    var real: Double { seconds(at: .now) }

    /// Real seconds from the session's start to `instant`.
    func seconds(at instant: ContinuousClock.Instant) -> Double {
        let elapsed = instant - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func serve(_ connection: NIOAsyncChannel<StampedChunk, ByteBuffer>) async {
        let (sessionID, faults) = shared.register()
        var claimedClientId: Int?
        defer {
            shared.unregister(sessionID)
            if let id = claimedClientId {
                shared.account.disconnect(clientId: id)
                shared.releaseClientId(id)
            }
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                var buffer = ByteBuffer()
                // 1. The hello: API\0 + framed version range.
                var hello: TWSClientHello?
                while hello == nil {
                    guard var chunk = try await iterator.next()?.bytes else { return }
                    TWSFrameDecoder.append(&chunk, to: &buffer)
                    hello = try TWSClientHello.decode(buffer: &buffer)
                }
                guard let hello else { return }
                let version = try hello.negotiate(serverMax: shared.configuration.maxVersion)
                let reply = TWSServerHello(
                    serverVersion: version, connectionTime: Self.connectionTime(shared.clock.now()))
                try await outbound.write(reply.encode())

                // 2. START_API.
                var frames = TWSFrameDecoder()
                var startAPI: TWSStartAPI?
                while startAPI == nil {
                    if let payload = try frames.decode(buffer: &buffer) {
                        if case .startApi(let s) = try TWSRequest.decode(payload: payload, serverVersion: version) {
                            startAPI = s
                        }
                        continue
                    }
                    guard var chunk = try await iterator.next()?.bytes else { return }
                    TWSFrameDecoder.append(&chunk, to: &buffer)
                }
                guard let startAPI else { return }
                let now = shared.clock.now()
                guard shared.claimClientId(startAPI.clientId) else {
                    shared.recordError(TWSErrorCode.clientIdInUse.rawValue)
                    let refusal = TWSServerMessage.error(
                        TWSErrorMessage(
                            reqId: -1, errorCode: TWSErrorCode.clientIdInUse.rawValue,
                            errorString:
                                "Unable to connect as the client id is already in use. Retry with a unique client id.",
                            errorTime: Int(now.timeIntervalSince1970 * 1000)))
                    try await outbound.write(try refusal.encoded(serverVersion: version))
                    return
                }
                claimedClientId = startAPI.clientId
                shared.account.connect(clientId: startAPI.clientId)
                logger.debug(
                    "client connected",
                    metadata: ["sim.client_id": "\(startAPI.clientId)", "sim.server_version": "\(version)"])
                let engine = EngineBox(
                    SessionEngine(
                        serverVersion: version, clientId: startAPI.clientId, market: shared.marketPort,
                        account: shared.accountPort, mode: shared.configuration.marketData,
                        maxLines: shared.configuration.maxMarketDataLines,
                        maxMessagesPerSecond: shared.configuration.maxMessagesPerSecond,
                        record: { [shared] code in shared.recordError(code) }))

                if let script = shared.configuration.faults {
                    engine.withLock { e in
                        e.messageTriggers = script.messageSteps().compactMap { step in
                            step.afterMessages.map { ($0, step.action) }
                        }
                    }
                }
                let greeting = engine.withLock { $0.greeting(now: now) }
                _ = try await send(greeting, version: version, to: outbound)

                let channel = connection.channel
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while true {
                            try await Task.sleep(for: self.shared.configuration.streamInterval)
                            let output = engine.withLock { $0.tick(now: self.shared.clock.now(), real: self.real) }
                            if try await self.send(output, version: version, to: outbound) {
                                try? await channel.close()
                                return
                            }
                        }
                    }
                    group.addTask {
                        for await action in faults {
                            let output = engine.withLock {
                                $0.apply(action, now: self.shared.clock.now(), real: self.real)
                            }
                            if try await self.send(output, version: version, to: outbound) {
                                try? await channel.close()
                                return
                            }
                        }
                    }
                    if let script = self.shared.configuration.faults {
                        group.addTask {
                            if try await self.runScript(script, engine: engine, version: version, outbound: outbound) {
                                try? await channel.close()
                            }
                        }
                    }
                    // The read loop runs here (NIO's inbound iterator stays in this task); it ends when the
                    // client leaves or a child closes the channel.
                    // A frame counts at the arrival of the chunk that completed it.
                    var arrival = self.real
                    readLoop: while true {
                        while let payload = try frames.decode(buffer: &buffer) {
                            let output: SessionOutput
                            do {
                                let request = try TWSRequest.decode(payload: payload, serverVersion: version)
                                output = engine.withLock {
                                    $0.handle(request, now: self.shared.clock.now(), real: arrival)
                                }
                            } catch let error as TWSWireError where error.code == .unknownMessage {
                                // A request TWSWire does not model: answered (IB's error for it), never ignored.
                                let fields = Self.fields(of: payload)
                                output = engine.withLock {
                                    $0.unsupported(fields: fields, now: self.shared.clock.now(), real: arrival)
                                }
                            } catch {
                                // IB ignores what it cannot parse; a log line helps whoever sent it.
                                self.logger.notice("undecodable request", metadata: ["sim.error": "\(error)"])
                                continue
                            }
                            self.shared.recordPeakRate(engine.withLock { $0.rateLimiter.peak })
                            if try await self.send(output, version: version, to: outbound) { break readLoop }
                        }
                        guard let stamped = try await iterator.next() else { break }
                        var chunk = stamped.bytes
                        arrival = self.seconds(at: stamped.arrival)
                        TWSFrameDecoder.append(&chunk, to: &buffer)
                    }
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("session ended", metadata: ["sim.error": "\(error)"])
        }
    }

    /// Sends an output; true when the session must close.
    func send(_ output: SessionOutput, version: Int, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>)
        async throws -> Bool
    {
        if output.delay > .zero { try await Task.sleep(for: output.delay) }
        if !output.messages.isEmpty {
            var buffer = ByteBuffer()
            for message in output.messages { try message.encode(serverVersion: version, into: &buffer) }
            try await outbound.write(buffer)
        }
        if let raw = output.raw { try await outbound.write(ByteBuffer(bytes: raw)) }
        return output.close
    }

    /// Runs a fault script's timed steps against this session; true when a step closes it.
    func runScript(
        _ script: FaultScript, engine: EngineBox, version: Int,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> Bool {
        var elapsed = 0.0
        for step in script.timedSteps() {
            try await Task.sleep(for: .milliseconds(Int(max(0, step.afterSeconds - elapsed) * 1000)))
            elapsed = max(elapsed, step.afterSeconds)
            if case .restart = step.action {
                shared.inject(step.action)
                continue
            }
            let output = engine.withLock { $0.apply(step.action, now: shared.clock.now(), real: real) }
            if try await send(output, version: version, to: outbound) { return true }
        }
        return false
    }

    /// A frame payload's NUL-terminated fields as text.
    static func fields(of payload: ByteBuffer) -> [String] {
        let bytes = payload.readableBytesView
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// `yyyyMMdd HH:mm:ss <zone>`, as the gateway reports its connection time.
    static func connectionTime(_ date: Date) -> String { NewYorkTime.stamp(date) }
}
