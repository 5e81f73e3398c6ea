import Foundation
import NIOCore
import TWSWire

/// `papertrader wire decode`'s work: a captured TWS byte stream on stdin to one JSON object per
/// message on stdout, read in chunks so memory stays flat whatever the capture's size.
public enum WireDecodeTool {
    /// Which side wrote the bytes.
    public enum Side: Sendable {
        case client, server
    }

    /// Bytes read from stdin at a time; memory stays at about this plus one frame, whatever the input's size.
    public static let chunkSize = 1 << 16

    /// Decodes stdin to stdout; false when the stream was truncated, garbled or not hex (its last
    /// line is then an `{"error": ...}` object).
    public static func decodeStandardInput(from side: Side, serverVersion: Int?, hex: Bool) -> Bool {
        var stream = TWSStreamDecoder(side: side == .client ? .client : .server, serverVersion: serverVersion)
        var buffer = ByteBufferAllocator().buffer(capacity: chunkSize)
        var output = BufferedOutput()
        var hexStream = hex ? HexStream() : nil
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        func fail(_ message: TWSJSONValue) -> Bool {
            output.append(message.serialized + "\n")
            output.flush()
            return false
        }
        do {
            while true {
                let n = try readStandardInput(into: &chunk)
                if n == 0 { break }
                if hexStream != nil {
                    guard hexStream?.feed(chunk[0..<n], into: &buffer) == true else {
                        return fail(.object([("error", .string("input is not hex text"))]))
                    }
                } else {
                    buffer.writeBytes(chunk[0..<n])
                }
                try stream.decodeAvailable(&buffer) { line in output.append(line.serialized + "\n") }
                buffer.discardReadBytes()
            }
            if hexStream != nil, hexStream?.finish(into: &buffer) != true {
                return fail(.object([("error", .string("input is not hex text"))]))
            }
            try stream.finish(&buffer) { line in output.append(line.serialized + "\n") }
        } catch {
            return fail(.object([("error", .string("\(error)")), ("offset", .int(stream.bytesConsumed))]))
        }
        output.flush()
        return true
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
