import NIOCore

/// Decodes a whole captured stream of one side (handshake included) into JSON lines: what
/// `papertrader wire decode` prints. Pure: bytes in, values out.
public struct TWSStreamDecoder {
    /// Which side wrote the stream.
    public enum Side: Sendable {
        case client
        case server
    }

    public let side: Side
    /// The version used for decoding; learned from a captured handshake when not given.
    public private(set) var serverVersion: Int?
    /// Bytes consumed so far (the offset of the first undecoded byte).
    public private(set) var bytesConsumed = 0
    private var frames = TWSFrameDecoder()
    private var sawFirstFrame = false
    /// Whether a client stream's optional leading hello has been looked for (streaming).
    private var checkedClientHello = false

    /// A decoder for `side`'s bytes, at `serverVersion` if known.
    public init(side: Side, serverVersion: Int? = nil) {
        self.side = side
        self.serverVersion = serverVersion
    }

    /// Decodes every whole message in `buffer`, calling `emit` per JSON line; throws at the first
    /// malformed frame or at a truncated tail (after emitting everything before it).
    public mutating func decodeAll(_ buffer: inout ByteBuffer, emit: (TWSJSONValue) throws -> Void) throws {
        if side == .client, buffer.readableBytesView.starts(with: Array("API".utf8) + [0]) {
            let before = buffer.readerIndex
            guard let hello = try TWSClientHello.decode(buffer: &buffer) else {
                throw TWSWireError(.truncated, "stream ended inside the client hello")
            }
            bytesConsumed += buffer.readerIndex - before
            try emit(
                .object([
                    ("message", .string("hello")), ("minVersion", .int(hello.minVersion)),
                    ("maxVersion", .int(hello.maxVersion)), ("options", .string(hello.options)),
                ]))
        }
        while true {
            let before = buffer.readerIndex
            guard let frame = try frames.decode(buffer: &buffer) else {
                if buffer.readableBytes > 0 {
                    throw TWSWireError(
                        .truncated,
                        "stream ends inside a frame (\(buffer.readableBytes) bytes after the last whole message)")
                }
                return
            }
            bytesConsumed += buffer.readerIndex - before
            try decodeFrame(frame, emit: emit)
        }
    }

    // MARK: Streaming

    /// Decodes every whole message in `buffer` and leaves a partial one for the next call, so a
    /// capture can be fed in bounded chunks (append, call this, `discardReadBytes()`, repeat); call
    /// `finish(_:emit:)` at the end of the input. The lines are exactly those `decodeAll` would emit.
    public mutating func decodeAvailable(_ buffer: inout ByteBuffer, emit: (TWSJSONValue) throws -> Void) throws {
        try decodeAvailable(&buffer, atEnd: false, emit: emit)
    }

    /// At the end of the input: decodes what is left and throws if it ends inside a frame (or inside
    /// the client hello), as `decodeAll` does.
    public mutating func finish(_ buffer: inout ByteBuffer, emit: (TWSJSONValue) throws -> Void) throws {
        try decodeAvailable(&buffer, atEnd: true, emit: emit)
        if buffer.readableBytes > 0 {
            throw TWSWireError(
                .truncated, "stream ends inside a frame (\(buffer.readableBytes) bytes after the last whole message)")
        }
    }

    private mutating func decodeAvailable(
        _ buffer: inout ByteBuffer, atEnd: Bool, emit: (TWSJSONValue) throws -> Void
    ) throws {
        if !checkedClientHello && side == .client {
            let prefix = Array("API".utf8) + [0]
            let view = buffer.readableBytesView
            // Too few bytes to tell whether the stream opens with the hello: wait for more.
            if !atEnd && view.count < prefix.count && prefix.starts(with: view) { return }
            if view.starts(with: prefix) {
                let before = buffer.readerIndex
                guard let hello = try TWSClientHello.decode(buffer: &buffer) else {
                    if atEnd { throw TWSWireError(.truncated, "stream ended inside the client hello") }
                    return
                }
                bytesConsumed += buffer.readerIndex - before
                try emit(
                    .object([
                        ("message", .string("hello")), ("minVersion", .int(hello.minVersion)),
                        ("maxVersion", .int(hello.maxVersion)), ("options", .string(hello.options)),
                    ]))
            }
        }
        checkedClientHello = true
        while true {
            let before = buffer.readerIndex
            guard let frame = try frames.decode(buffer: &buffer) else { return }
            bytesConsumed += buffer.readerIndex - before
            try decodeFrame(frame, emit: emit)
        }
    }

    private mutating func decodeFrame(_ frame: ByteBuffer, emit: (TWSJSONValue) throws -> Void) throws {
        defer { sawFirstFrame = true }
        if side == .server, !sawFirstFrame, let hello = try? TWSServerHello.decode(payload: frame),
            frame.readableBytesView.filter({ $0 == 0 }).count == 2, hello.connectionTime.contains(":")
        {
            if serverVersion == nil { serverVersion = hello.serverVersion }
            try emit(
                .object([
                    ("message", .string("serverHello")), ("serverVersion", .int(hello.serverVersion)),
                    ("connectionTime", .string(hello.connectionTime)),
                ]))
            return
        }
        let version = serverVersion ?? TWSProtocolVersions.maximumText
        try TWSServerHello.validate(version)
        switch side {
        case .server:
            let message = try TWSServerMessage.decode(payload: frame, serverVersion: version)
            for line in message.callbacks(serverVersion: version) { try emit(line) }
        case .client:
            let request = try TWSRequest.decode(payload: frame, serverVersion: version)
            try emit(request.json(serverVersion: version))
        }
    }
}
