import ArgumentParser
import Foundation
import NIOCore
import TWSWire

/// `papertrader wire ...`: tools for the TWS wire protocol.
struct WireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Inspect TWS wire-protocol captures.",
        subcommands: [WireDecodeCommand.self]
    )
}

/// `papertrader wire decode`: one JSON object per message of a captured byte stream.
struct WireDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a captured TWS byte stream (stdin) into one JSON object per message.",
        discussion: """
            Reads raw bytes (or hex with --hex) from stdin. Gateway streams print one object per EWrapper \
            callback under IB's official names; client streams print one object per EClient request. A \
            leading handshake (API\\0 hello, or the server's version/time reply) is recognised and printed. \
            A truncated or garbled stream ends with an {"error": ...} line and exit status 1.
            """
    )

    /// Which side wrote the bytes.
    enum Side: String, ExpressibleByArgument, CaseIterable {
        case client, server
    }

    @Option(help: "Negotiated server version (157...200). Default: from the captured handshake, else 200.")
    var serverVersion: Int?

    @Flag(help: "Input is hex text (whitespace ignored).")
    var hex = false

    @Option(help: "Which side wrote the stream: server (gateway -> client, default) or client.")
    var from: Side = .server

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var bytes = [UInt8](input)
        if hex {
            guard let decoded = HexText.decode(bytes) else {
                print(#"{"error": "input is not hex text"}"#)
                throw ExitCode(1)
            }
            bytes = decoded
        }
        var stream = TWSStreamDecoder(side: from == .client ? .client : .server, serverVersion: serverVersion)
        var buffer = ByteBuffer(bytes: bytes)
        let output = FileHandle.standardOutput
        do {
            try stream.decodeAll(&buffer) { line in
                output.write(Data((line.serialized + "\n").utf8))
            }
        } catch {
            let message = TWSJSONValue.object([
                ("error", .string("\(error)")), ("offset", .int(stream.bytesConsumed)),
            ])
            output.write(Data((message.serialized + "\n").utf8))
            throw ExitCode(1)
        }
    }
}

/// Hex text to bytes, ignoring whitespace and an optional 0x prefix.
enum HexText {
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var digits = text.filter { !($0 == 32 || $0 == 10 || $0 == 13 || $0 == 9) }
        if digits.starts(with: Array("0x".utf8)) { digits.removeFirst(2) }
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let h = nibble(digits[i]), let l = nibble(digits[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
