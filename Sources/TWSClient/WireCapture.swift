import Foundation
import NIOCore
import Synchronization

/// Records the exact bytes each side sent to `<path>.client` and `<path>.server`, so
/// `papertrader wire decode --from client < x.client` and `papertrader wire decode < x.server`
/// read a session back (both recognise the leading handshake).
final class WireCapture: Sendable {
    private let files: Mutex<(client: FileHandle, server: FileHandle)>

    init(path: String) throws {
        let manager = FileManager.default
        for suffix in [".client", ".server"] {
            _ = manager.createFile(atPath: path + suffix, contents: nil)
        }
        guard let client = FileHandle(forWritingAtPath: path + ".client"),
            let server = FileHandle(forWritingAtPath: path + ".server")
        else {
            throw TWSClientError(.protocolError, "cannot write wire capture files at \(path).client / .server")
        }
        client.truncateFile(atOffset: 0)
        server.truncateFile(atOffset: 0)
        files = Mutex((client, server))
    }

    /// Bytes the client sent.
    func client(_ bytes: ByteBuffer) {
        let data = Data(bytes.readableBytesView)
        files.withLock { $0.client.write(data) }
    }

    /// A frame the server sent (re-framed with its length prefix).
    func server(frame: ByteBuffer) {
        frame.withUnsafeReadableBytes { server(payload: $0) }
    }

    /// Records one server frame given as its payload bytes (the length prefix is written back).
    func server(payload: UnsafeRawBufferPointer) {
        var data = Data()
        let count = UInt32(payload.count).bigEndian
        withUnsafeBytes(of: count) { data.append(contentsOf: $0) }
        data.append(contentsOf: payload)
        files.withLock { $0.server.write(data) }
    }
}
