import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TWSWire

/// A minimal TWS client for tests of the gateway simulator: real socket, our wire codec, every
/// decoded message kept in order. Not a product client (that is TWSClient).
public final class WireTestClient: Sendable {
    public let serverVersion: Int
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel

    struct State {
        var messages: [TWSServerMessage] = []
        var closed = false
        var streamError: String?
    }

    /// Connects, handshakes (`v157..<maxVersion>`), sends START_API, runs `body`, then closes.
    public static func withConnection<R: Sendable>(
        port: Int, clientId: Int = 1, maxVersion: Int = 178, _ body: @Sendable (WireTestClient) async throws -> R
    ) async throws -> R {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(TWSClientHello(minVersion: 157, maxVersion: maxVersion).encode())
            let (versions, versionContinuation) = AsyncStream<Int>.makeStream()
            let box = StateBox()
            return try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    var iterator = inbound.makeAsyncIterator()
                    var buffer = ByteBuffer()
                    var frames = TWSFrameDecoder()
                    var version: Int?
                    do {
                        while true {
                            while let frame = try frames.decode(buffer: &buffer) {
                                if let v = version {
                                    let message = try TWSServerMessage.decode(payload: frame, serverVersion: v)
                                    box.state.withLock { $0.messages.append(message) }
                                } else {
                                    let hello = try TWSServerHello.decode(payload: frame)
                                    version = hello.serverVersion
                                    versionContinuation.yield(hello.serverVersion)
                                }
                            }
                            guard var chunk = try await iterator.next() else { break }
                            TWSFrameDecoder.append(&chunk, to: &buffer)
                        }
                        if buffer.readableBytes > 0 {
                            box.state.withLock {
                                $0.streamError = "stream ended inside a frame (\(buffer.readableBytes) bytes)"
                            }
                        }
                    } catch {
                        box.state.withLock { $0.streamError = "\(error)" }
                    }
                    box.state.withLock { $0.closed = true }
                    versionContinuation.finish()
                    return nil
                }
                var versionIterator = versions.makeAsyncIterator()
                guard let version = await versionIterator.next() else {
                    throw TWSWireError(.truncated, "connection closed during the handshake")
                }
                let client = WireTestClient(serverVersion: version, outbound: outbound, channel: raw, box: box)
                try await client.send(.startApi(TWSStartAPI(clientId: clientId)))
                let result = try await body(client)
                try? await raw.close()
                group.cancelAll()
                return result
            }
        }
    }

    /// Shares the reader's state with the client object.
    final class StateBox: Sendable {
        let state = Mutex(State())
    }

    let box: StateBox

    init(serverVersion: Int, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel, box: StateBox) {
        self.serverVersion = serverVersion
        self.outbound = outbound
        self.channel = channel
        self.box = box
    }

    /// Sends requests.
    public func send(_ requests: TWSRequest...) async throws {
        var buffer = ByteBuffer()
        for r in requests { try r.encode(serverVersion: serverVersion, into: &buffer) }
        try await outbound.write(buffer)
    }

    /// Sends requests in one write (they reach the gateway together).
    public func send(contentsOf requests: [TWSRequest]) async throws {
        var buffer = ByteBuffer()
        for r in requests { try r.encode(serverVersion: serverVersion, into: &buffer) }
        try await outbound.write(buffer)
    }

    /// Sends raw bytes.
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Everything received so far.
    public var messages: [TWSServerMessage] { box.state.withLock { $0.messages } }
    public var isClosed: Bool { box.state.withLock { $0.closed } }
    public var streamError: String? { box.state.withLock { $0.streamError } }

    /// Polls until `predicate` holds for the messages received so far, the connection closes, or
    /// `timeout` passes; returns the messages. (Polling observes state; it never orders events.)
    @discardableResult
    public func wait(
        timeout: Duration = .seconds(10), until predicate: @Sendable ([TWSServerMessage]) -> Bool
    ) async -> [TWSServerMessage] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let snapshot = messages
            if predicate(snapshot) || isClosed { return snapshot }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return messages
    }

    /// Error codes received.
    public var errorCodes: [Int] {
        messages.compactMap { if case .error(let e) = $0 { return e.errorCode } else { return nil } }
    }
}
