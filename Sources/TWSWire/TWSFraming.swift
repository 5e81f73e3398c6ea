import NIOCore

/// TWS framing: a 4-byte big-endian length, then that many payload bytes.
public enum TWSFraming {
    /// The largest payload the official client accepts.
    public static let maxFrameLength = 0xFF_FFFF
}

/// Streaming frame decoder: accepts bytes in arbitrary chunks (one byte at a time works) and yields
/// whole frame payloads. A length above the maximum is an error before any payload is buffered, so
/// a garbage stream can never make it buffer without bound.
public struct TWSFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The largest accepted payload length.
    public let maxFrameLength: Int

    /// A decoder enforcing `maxFrameLength` (default: IB's 0xFFFFFF).
    public init(maxFrameLength: Int = TWSFraming.maxFrameLength) {
        self.maxFrameLength = maxFrameLength
    }

    /// The next whole payload, or nil (reader index untouched) until enough bytes arrived.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maxFrameLength else {
            throw TWSWireError(
                .frameTooLarge,
                "frame length \(length) exceeds the maximum \(maxFrameLength) (garbage or a non-TWS peer)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }

    /// At end of stream: leftover bytes are a truncated frame.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        if let frame = try decode(buffer: &buffer) { return frame }
        if buffer.readableBytes > 0 {
            throw TWSWireError(.truncated, "stream ended inside a frame (\(buffer.readableBytes) bytes left over)")
        }
        return nil
    }
}

extension TWSFrameDecoder {
    /// Calls `body` with the payload of every whole frame in `buffer`, in one pass over its bytes
    /// (no slice per frame), and consumes them; a partial frame stays for the next read. A length
    /// above the maximum throws before anything after it is looked at.
    public mutating func forEachPayload(
        in buffer: inout ByteBuffer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let limit = maxFrameLength
        var consumed = 0
        defer { buffer.moveReaderIndex(forwardBy: consumed) }
        try buffer.withUnsafeReadableBytes { raw in
            while raw.count - consumed >= 4 {
                let length = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: consumed, as: UInt32.self)))
                guard length <= limit else {
                    throw TWSWireError(
                        .frameTooLarge,
                        "frame length \(length) exceeds the maximum \(limit) (garbage or a non-TWS peer)")
                }
                guard raw.count - consumed - 4 >= length else { return }
                let start = consumed + 4
                consumed = start + length
                try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
            }
        }
    }

    /// Appends bytes read from the socket to a connection's receive `buffer`, first dropping what
    /// was already decoded. ByteBuffer never discards read bytes on its own, so without this a
    /// long-lived connection's buffer keeps every byte it ever received.
    public static func append(_ chunk: inout ByteBuffer, to buffer: inout ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex >= 64 * 1024 {
            buffer.discardReadBytes()
        }
        buffer.writeBuffer(&chunk)
    }
}
