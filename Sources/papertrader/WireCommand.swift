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
            A truncated or garbled stream ends with an {"error": ...} line and exit status 1. The input is \
            read in 64 KiB chunks, so memory stays flat whatever the capture's size.
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

    /// Bytes read from stdin at a time; memory stays at about this plus one frame, whatever the input's size.
    static let chunkSize = 1 << 16

    func run() throws {
        var stream = TWSStreamDecoder(side: from == .client ? .client : .server, serverVersion: serverVersion)
        var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
        var output = BufferedOutput()
        var hexStream = hex ? HexStream() : nil
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        func fail(_ message: TWSJSONValue) throws -> Never {
            output.append(message.serialized + "\n")
            output.flush()
            throw ExitCode(1)
        }
        do {
            while true {
                let n = try Self.readStandardInput(into: &chunk)
                if n == 0 { break }
                if hexStream != nil {
                    guard hexStream?.feed(chunk[0..<n], into: &buffer) == true else {
                        try fail(.object([("error", .string("input is not hex text"))]))
                    }
                } else {
                    buffer.writeBytes(chunk[0..<n])
                }
                try stream.decodeAvailable(&buffer) { line in output.append(line.serialized + "\n") }
                buffer.discardReadBytes()
            }
            if hexStream != nil, hexStream?.finish(into: &buffer) != true {
                try fail(.object([("error", .string("input is not hex text"))]))
            }
            try stream.finish(&buffer) { line in output.append(line.serialized + "\n") }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            try fail(.object([("error", .string("\(error)")), ("offset", .int(stream.bytesConsumed))]))
        }
        output.flush()
    }

    /// Reads up to `chunk.count` bytes of stdin (0 at the end), retrying interrupted reads.
    static func readStandardInput(into chunk: inout [UInt8]) throws -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n >= 0 { return n }
            if errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
    }
}

/// Lines for stdout, written in blocks of about 64 KiB rather than one write per line.
struct BufferedOutput {
    var pending: [UInt8] = []

    mutating func append(_ line: String) {
        pending.append(contentsOf: line.utf8)
        if pending.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}

/// Hex text to bytes chunk by chunk, with `HexText`'s rules: whitespace ignored, an optional 0x
/// before the first digit, an even number of digits.
struct HexStream {
    /// The first digit when it was a 0 that may begin "0x".
    var heldZero = false
    var sawFirstDigit = false
    var high: UInt8?

    /// Appends the bytes of `text` to `out`; false at the first character that is not a hex digit.
    mutating func feed(_ text: ArraySlice<UInt8>, into out: inout ByteBuffer) -> Bool {
        for c in text where !(c == 32 || c == 10 || c == 13 || c == 9) {
            if !sawFirstDigit {
                sawFirstDigit = true
                if c == UInt8(ascii: "0") {
                    heldZero = true
                    continue
                }
            } else if heldZero {
                heldZero = false
                if c == UInt8(ascii: "x") { continue }
                guard digit(UInt8(ascii: "0"), into: &out) else { return false }
            }
            guard digit(c, into: &out) else { return false }
        }
        return true
    }

    /// At the end: false if a digit is left without its pair.
    mutating func finish(into out: inout ByteBuffer) -> Bool {
        if heldZero {
            heldZero = false
            guard digit(UInt8(ascii: "0"), into: &out) else { return false }
        }
        return high == nil
    }

    mutating func digit(_ c: UInt8, into out: inout ByteBuffer) -> Bool {
        guard let value = HexText.nibble(c) else { return false }
        if let h = high {
            out.writeInteger(h << 4 | value)
            high = nil
        } else {
            high = value
        }
        return true
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
