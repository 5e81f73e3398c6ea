import NIOCore
import Testing

@testable import TWSWire

/// `wire decode` feeds the decoder in bounded chunks: whatever the chunk size, the lines, the error
/// and its offset are exactly those of decoding the whole input at once.
@Suite struct StreamingDecodeTests {
    /// Lines and the error (text and offset) of one decoding.
    struct Outcome: Equatable, CustomStringConvertible {
        var lines: [String]
        var error: String?
        var offset: Int
        var description: String { "\(lines.count) lines, error \(error ?? "none") at \(offset)" }
    }

    static func whole(_ bytes: [UInt8], side: TWSStreamDecoder.Side, version: Int?) -> Outcome {
        var stream = TWSStreamDecoder(side: side, serverVersion: version)
        var buffer = ByteBuffer(bytes: bytes)
        var lines: [String] = []
        do {
            try stream.decodeAll(&buffer) { lines.append($0.serialized) }
            return Outcome(lines: lines, error: nil, offset: stream.bytesConsumed)
        } catch {
            return Outcome(lines: lines, error: "\(error)", offset: stream.bytesConsumed)
        }
    }

    static func chunked(_ bytes: [UInt8], size: Int, side: TWSStreamDecoder.Side, version: Int?) -> Outcome {
        var stream = TWSStreamDecoder(side: side, serverVersion: version)
        var buffer = ByteBuffer()
        var lines: [String] = []
        do {
            var start = 0
            while start < bytes.count {
                buffer.writeBytes(bytes[start..<min(bytes.count, start + size)])
                start += size
                try stream.decodeAvailable(&buffer) { lines.append($0.serialized) }
                buffer.discardReadBytes()
                // Bounded: never more than one chunk plus one partial frame is held.
                #expect(buffer.readableBytes < size + 70_000)
            }
            try stream.finish(&buffer) { lines.append($0.serialized) }
            return Outcome(lines: lines, error: nil, offset: stream.bytesConsumed)
        } catch {
            return Outcome(lines: lines, error: "\(error)", offset: stream.bytesConsumed)
        }
    }

    /// Every captured frame of `version`, framed into one gateway stream.
    static func capturedStream(version: Int) -> [UInt8] {
        var out: [UInt8] = []
        for frame in CapturedFrame.all where frame.serverVersion == version {
            let payload = frame.payload
            let length = UInt32(payload.count)
            out += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            out += payload
        }
        return out
    }

    static var inputs: [(String, [UInt8], TWSStreamDecoder.Side, Int?)] {
        let versions = Set(CapturedFrame.all.map(\.serverVersion)).sorted()
        var cases: [(String, [UInt8], TWSStreamDecoder.Side, Int?)] = []
        for v in versions {
            let stream = capturedStream(version: v)
            cases.append(("captured v\(v)", stream, .server, v))
            cases.append(("captured v\(v), truncated", Array(stream.dropLast(3)), .server, v))
            var garbled = stream
            garbled.insert(contentsOf: [0, 0, 0, 3, 0x39, 0, 0x41], at: stream.count / 2)
            cases.append(("captured v\(v), garbled in the middle", garbled, .server, v))
        }
        let hello = Array("API".utf8) + [0, 0, 0, 0, 10] + Array("v100..200 ".utf8)
        cases.append(("client hello only", hello, .client, nil))
        cases.append(("client hello cut", Array(hello.prefix(6)), .client, nil))
        cases.append(("two bytes", Array("AP".utf8), .client, nil))
        cases.append(("empty", [], .server, nil))
        return cases
    }

    @Test func chunkedEqualsWholeOnTheCapturedFrames() {
        #expect(CapturedFrame.all.count >= 40, "the captured frames fixture is missing")
        for (name, bytes, side, version) in Self.inputs {
            let expected = Self.whole(bytes, side: side, version: version)
            for size in [1, 2, 3, 7, 64, 4096, 1 << 16] {
                let got = Self.chunked(bytes, size: size, side: side, version: version)
                #expect(got == expected, "\(name), chunks of \(size): \(got) vs \(expected)")
            }
        }
    }
}
