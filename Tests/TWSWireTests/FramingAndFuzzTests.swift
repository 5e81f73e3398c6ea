import Foundation
import NIOCore
import NIOTestUtils
import Testing

@testable import TWSWire

@Suite struct FramingTests {
    static func frame(_ text: String) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeInteger(UInt32(text.utf8.count))
        b.writeString(text)
        return b
    }

    @Test func decoderHandlesAnyChunking() throws {
        // NIO's verifier feeds the bytes one at a time and in batches and checks every output.
        let payloads = [
            "9\u{0}1\u{0}1\u{0}", "15\u{0}1\u{0}DU1234567\u{0}",
            "1\u{0}6\u{0}1001\u{0}68\u{0}255.45\u{0}200\u{0}0\u{0}",
        ]
        let pairs = payloads.map { (Self.frame($0), [ByteBuffer(string: $0)]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { StreamingFrames() }
    }

    @Test func oversizedLengthIsRejectedBeforeBuffering() {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0x0100_0000))
        buffer.writeString("x")
        var decoder = TWSFrameDecoder()
        do {
            _ = try decoder.decode(buffer: &buffer)
            Issue.record("accepted a 16 MiB frame")
        } catch let error as TWSWireError {
            #expect(error.code == .frameTooLarge)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aConnectionBufferOnlyHoldsWhatIsUndecoded() throws {
        // 100,000 frames (~2.4 MB) in 1000-byte reads, as a socket delivers them: the receive buffer
        // must stay near one read plus one partial frame, not grow with the traffic.
        var stream = ByteBuffer()
        for i in 0..<100_000 { var f = Self.frame("1\u{0}6\u{0}\(i)\u{0}68\u{0}255.45\u{0}"); stream.writeBuffer(&f) }
        var buffer = ByteBuffer()
        var decoder = TWSFrameDecoder()
        var decoded = 0
        var largest = 0
        while stream.readableBytes > 0 {
            var chunk = stream.readSlice(length: min(1000, stream.readableBytes))!
            TWSFrameDecoder.append(&chunk, to: &buffer)
            largest = max(largest, buffer.capacity)
            while try decoder.decode(buffer: &buffer) != nil { decoded += 1 }
        }
        #expect(decoded == 100_000)
        #expect(largest <= 128 * 1024, "receive buffer grew to \(largest) bytes")
    }

    @Test func onePassFramingMatchesTheFrameDecoderOnAnyChunking() throws {
        var stream = ByteBuffer()
        var expected: [[UInt8]] = []
        for i in 0..<2_000 {
            let text = String(repeating: "x\u{0}", count: i % 37) + "\(i)\u{0}"
            expected.append(Array(text.utf8))
            var f = Self.frame(text)
            stream.writeBuffer(&f)
        }
        var rng = SystemRandomNumberGenerator()
        var buffer = ByteBuffer()
        var decoder = TWSFrameDecoder()
        var seen: [[UInt8]] = []
        while stream.readableBytes > 0 {
            var chunk = stream.readSlice(length: min(Int.random(in: 1...300, using: &rng), stream.readableBytes))!
            TWSFrameDecoder.append(&chunk, to: &buffer)
            try decoder.forEachPayload(in: &buffer) { seen.append(Array($0)) }
        }
        #expect(seen == expected)
        #expect(buffer.readableBytes == 0)

        var oversized = ByteBuffer()
        oversized.writeInteger(UInt32(0x0100_0000))
        oversized.writeString("x")
        #expect(throws: TWSWireError.self) { try decoder.forEachPayload(in: &oversized) { _ in } }
    }

    @Test func maximumLengthIsAccepted() throws {
        var header = ByteBuffer()
        header.writeInteger(UInt32(TWSFraming.maxFrameLength))
        var decoder = TWSFrameDecoder()
        #expect(try decoder.decode(buffer: &header) == nil)  // waits for the payload, no error
    }

    @Test func truncatedStreamIsReportedAtTheEnd() throws {
        var buffer = Self.frame("9\u{0}1\u{0}1\u{0}")
        buffer.writeInteger(UInt32(10))
        buffer.writeString("49\u{0}")
        var decoder = TWSFrameDecoder()
        #expect(try decoder.decode(buffer: &buffer) != nil)
        #expect(throws: TWSWireError.self) { _ = try decoder.decodeLast(buffer: &buffer, seenEOF: true) }
    }

    @Test func streamDecoderPrintsEverythingBeforeAGarbledTail() throws {
        var buffer = Self.frame("9\u{0}1\u{0}5\u{0}")
        var second = Self.frameStatic
        buffer.writeBuffer(&second)
        buffer.writeBytes([0, 0, 0, 50, 49])
        var stream = TWSStreamDecoder(side: .server, serverVersion: 178)
        var lines: [TWSJSONValue] = []
        #expect(throws: TWSWireError.self) { try stream.decodeAll(&buffer) { lines.append($0) } }
        #expect(lines.map { $0["message"] } == [.string("nextValidId"), .string("currentTime")])
    }

    static var frameStatic: ByteBuffer { frame("49\u{0}1\u{0}1781163646\u{0}") }
}

/// The single-step decoder in the classic ByteToMessageDecoder shape NIO's verifier drives.
struct StreamingFrames: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    var inner = TWSFrameDecoder()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try inner.decode(buffer: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// Random and mutated inputs never crash or hang the decoders. (The 10-million-frame campaign is
/// `papertrader bench fuzz`; this is the fast, seeded slice that runs with every test.)
@Suite struct FuzzTests {
    @Test func mutatedRealFramesNeverCrash() {
        var rng = SeededRandom(seed: 42)
        let frames = CapturedFrame.all.map(\.payload)
        var decoded = 0
        var rejected = 0
        for i in 0..<30_000 {
            var bytes = frames[i % frames.count]
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                if !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
            case 2:
                if !bytes.isEmpty { bytes.insert(0, at: Int.random(in: 0..<bytes.count, using: &rng)) }
            case 3:
                if let nul = bytes.indices.filter({ bytes[$0] == 0 }).randomElement(using: &rng) {
                    bytes.remove(at: nul)
                }
            default:
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            let version = [157, 178, 200].randomElement(using: &rng)!
            if (try? TWSServerMessage.decode(payload: ByteBuffer(bytes: bytes), serverVersion: version)) != nil {
                decoded += 1
            } else {
                rejected += 1
            }
            _ = try? TWSRequest.decode(payload: ByteBuffer(bytes: bytes), serverVersion: version)
        }
        #expect(decoded + rejected == 30_000)
        #expect(rejected > 0 && decoded > 0)
    }

    @Test func randomStreamsNeverBufferWithoutBound() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            var decoder = TWSFrameDecoder()
            var buffer = ByteBuffer(
                bytes: (0..<Int.random(in: 0...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            while true {
                guard let frame = try? decoder.decode(buffer: &buffer) else { break }
                #expect(frame.readableBytes <= TWSFraming.maxFrameLength)
            }
        }
    }

    @Test func listCountsLargerThanTheFrameAreRejected() {
        // secDefOptParams claiming a billion expirations must not allocate them.
        let payload = ByteBuffer(bytes: Array("75\u{0}1\u{0}SMART\u{0}1\u{0}SPY\u{0}100\u{0}1000000000\u{0}".utf8))
        #expect(throws: TWSWireError.self) { try TWSServerMessage.decode(payload: payload, serverVersion: 178) }
    }
}

@Suite struct HandshakeTests {
    struct Connection: Decodable {
        let client_hello_hex: String
        let server_reply_hex: String
        let server_version: Int
        let connection_time: String
        let start_api_hex: String
        let client_version_range: String
    }

    struct File: Decodable { let connections: [Connection] }

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(s.utf8)[...]
        while chars.count >= 2 {
            out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) ?? 0)
            chars = chars.dropFirst(2)
        }
        return out
    }

    static let connections: [Connection] = {
        let url = CapturedFrame.fixturesDirectory.appendingPathComponent("handshakes.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).connections) ?? []
    }()

    @Test func realHandshakesParseAndEncodeIdentically() throws {
        #expect(Self.connections.count == 5)
        for c in Self.connections {
            var hello = ByteBuffer(bytes: Self.hex(c.client_hello_hex))
            let parsed = try #require(try TWSClientHello.decode(buffer: &hello))
            #expect("v\(parsed.minVersion)..\(parsed.maxVersion)" == c.client_version_range)
            #expect(Array(parsed.encode().readableBytesView) == Self.hex(c.client_hello_hex))
            var reply = ByteBuffer(bytes: Self.hex(c.server_reply_hex))
            var frames = TWSFrameDecoder()
            let payload = try #require(try frames.decode(buffer: &reply))
            let server = try TWSServerHello.decode(payload: payload)
            #expect(server.serverVersion == c.server_version)
            #expect(server.connectionTime == c.connection_time)
            #expect(Array(server.encode().readableBytesView) == Self.hex(c.server_reply_hex))
            let start = try TWSRequest.startApi(TWSStartAPI(clientId: 1)).encoded(serverVersion: server.serverVersion)
            #expect(Array(start.readableBytesView) == Self.hex(c.start_api_hex))
        }
    }

    @Test func helloWithOptionsAndNegotiation() throws {
        let hello = try TWSClientHello.parse("v157..178 +PACEAPI")
        #expect(hello == TWSClientHello(minVersion: 157, maxVersion: 178, options: "+PACEAPI"))
        #expect(try hello.negotiate(serverMax: 200) == 178)
        #expect(try TWSClientHello.parse("v100..226").negotiate(serverMax: 200) == 200)
        #expect(try TWSClientHello.parse("v176").negotiate(serverMax: 200) == 176)
        #expect(throws: TWSWireError.self) { try TWSClientHello.parse("v100..150").negotiate(serverMax: 200) }
        #expect(throws: TWSWireError.self) { try TWSClientHello.parse("v190..200").negotiate(serverMax: 178) }
    }

    @Test(arguments: ["", "hello", "v", "v..", "vabc..def", "v200..100", "v-5..10", "100..200"])
    func nonsenseHellosAreRejected(_ text: String) {
        #expect(throws: TWSWireError.self) { try TWSClientHello.parse(text) }
    }

    @Test func connectionsThatDoNotSpeakTWSAreRejected() throws {
        var http = ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")
        #expect(throws: TWSWireError.self) { _ = try TWSClientHello.decode(buffer: &http) }
        var partial = ByteBuffer(string: "AP")
        #expect(try TWSClientHello.decode(buffer: &partial) == nil)
        var hugeLength = ByteBuffer(string: "API\0")
        hugeLength.writeInteger(UInt32(1 << 30))
        #expect(throws: TWSWireError.self) { _ = try TWSClientHello.decode(buffer: &hugeLength) }
    }

    @Test func versionsOutsideTheTextProtocolAreRefused() {
        #expect(throws: TWSWireError.self) { try TWSServerHello.validate(201) }
        #expect(throws: TWSWireError.self) { try TWSServerHello.validate(156) }
        #expect((try? TWSServerHello.validate(178)) != nil)
    }
}

@Suite struct ValueFormattingTests {
    @Test func javaDoubles() {
        let cases: [(Double, String)] = [
            (255.45, "255.45"), (0, "0.0"), (100, "100.0"), (1e7, "1.0E7"), (12_345_678.9, "1.23456789E7"),
            (0.0001, "1.0E-4"), (0.001, "0.001"), (-2, "-2.0"),
            (Double.greatestFiniteMagnitude, "1.7976931348623157E308"),
        ]
        for (value, text) in cases {
            #expect(TWSNumberFormatting.double(value, dialect: .server) == text)
        }
        #expect(
            TWSNumberFormatting.double(Double.greatestFiniteMagnitude, dialect: .client) == "1.7976931348623157e+308")
        #expect(TWSNumberFormatting.double(590, dialect: .client) == "590.0")
    }

    @Test func doublesParseFromEverySpelling() {
        func parse(_ s: String) -> Double? {
            Array(s.utf8).withUnsafeBytes { TWSNumberParsing.double($0) }
        }
        #expect(parse("590") == 590)
        #expect(parse("590.0") == 590)
        #expect(parse("0.5579497967180902") == 0.5579497967180902)
        #expect(parse("1.7976931348623157E308") == .greatestFiniteMagnitude)
        #expect(parse("1.7976931348623157E307") == 1.7976931348623157E307)
        #expect(parse("0.2511289465") == 0.2511289465 && parse("-3.4187220954") == -3.4187220954)
        #expect(parse("0.0000000000000000000001") == 1e-22)
        #expect(parse("Infinity") == .infinity)
        #expect(parse("Infinite") == .infinity)
        #expect(parse("-1") == -1)
        #expect(parse("12a") == nil)
        #expect(parse("0x1p3") == nil)
        #expect(parse("nan") == nil)
    }

    @Test func singlePassReadersAgreeWithTheFieldParsers() throws {
        // The reader's one-pass int/double paths must give exactly what the field parsers give
        // (or fail the same way) on anything: plain numbers, long mantissas, exponents, junk.
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789000.-+E".utf8)
        var fields = [
            "0", "-0", "5.", ".", "-", "", "2147483647", "9223372036854775807", "99999999999999999999",
            "0.5579497967180902", "9007199254740993", "0.00000000000000000000001", "1.7976931348623157E308",
            "Infinity", "12a", "1e5", "--1", "+7",
        ]
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...24, using: &rng)
            fields.append(
                String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self))
        }
        for text in fields {
            let bytes = Array(text.utf8) + [0]
            bytes.withUnsafeBytes { raw in
                // nil: the read failed; .some(nil): an empty field; .some(x): a value.
                let field = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 1)])
                var reader = TWSFieldReader(bytes: raw, serverVersion: 178)
                // (`try?` would flatten the optionals.)
                func attempt<T>(_ body: () throws -> T) -> T? {
                    do { return try body() } catch { return nil }
                }
                let double = attempt { try reader.readDouble() }
                let wantDouble: Double?? =
                    field.isEmpty ? .some(nil) : TWSNumberParsing.double(field).map { Optional($0) }
                #expect(double == wantDouble, "double \(text)")
                if double != nil { #expect(reader.isAtEnd) }
                reader = TWSFieldReader(bytes: raw, serverVersion: 178)
                let int = attempt { try reader.readInt() }
                let wantInt: Int?? = field.isEmpty ? .some(nil) : TWSNumberParsing.int(field).map { Optional($0) }
                #expect(int == wantInt, "int \(text)")
            }
        }
    }

    @Test func decimalsKeepTheirText() {
        #expect(TWSDecimal("252.266")?.description == "252.266")
        #expect(TWSDecimal("200")?.description == "200")
        #expect(TWSDecimal("-0.05")?.description == "-0.05")
        #expect(TWSDecimal("1e5") == nil)
        #expect(TWSDecimal(0.25).description == "0.25")
    }

    @Test func unicodeEscapes() {
        #expect(TWSText.unescape("Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale") == "Société Générale")
        #expect(TWSText.unescape("a\\\\b") == "a\\b")
        #expect(TWSText.unescape(TWSText.escape("€ 5 \\ 日本")) == "€ 5 \\ 日本")
    }
}
