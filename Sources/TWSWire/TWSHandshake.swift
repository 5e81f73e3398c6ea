import NIOCore

/// Versions of the text protocol this project speaks.
public enum TWSProtocolVersions {
    /// The oldest negotiated version we serve or accept.
    public static let minimum = 157
    /// The newest text-protocol version (201+ switch message ids to binary and then to protobuf).
    public static let maximumText = 200
    /// What our client advertises as its maximum (what ib_async uses against today's gateways).
    public static let clientDefaultMaximum = 178
}

/// The client's opening bytes: `API\0` then a framed `v<min>..<max>[ options]`.
public struct TWSClientHello: Hashable, Sendable {
    public var minVersion: Int
    public var maxVersion: Int
    /// Connect options after the range, e.g. `+PACEAPI`; empty if none.
    public var options: String

    public init(minVersion: Int, maxVersion: Int, options: String = "") {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.options = options
    }

    /// The bytes a client sends first.
    public func encode() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("API")
        buffer.writeInteger(UInt8(0))
        var text = "v\(minVersion)..\(maxVersion)"
        if !options.isEmpty { text += " " + options }
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
        return buffer
    }

    /// Server side: parses a hello from the start of `buffer`; nil until it is complete. Rejects
    /// anything that is not `API\0` + a sane `v<min>..<max>` range, with a clear reason.
    public static func decode(buffer: inout ByteBuffer) throws -> TWSClientHello? {
        guard buffer.readableBytes >= 4 else {
            if let prefix = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes),
                !Array("API\0".utf8).starts(with: prefix)
            {
                throw TWSWireError(.malformedHandshake, "connection does not start with API\\0")
            }
            return nil
        }
        guard buffer.getBytes(at: buffer.readerIndex, length: 4) == Array("API\0".utf8) else {
            throw TWSWireError(.malformedHandshake, "connection does not start with API\\0")
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self) else { return nil }
        guard length > 0, length <= 1024 else {
            throw TWSWireError(.malformedHandshake, "hello length \(length) is not a version range")
        }
        guard buffer.readableBytes >= 8 + Int(length) else { return nil }
        let text = buffer.getString(at: buffer.readerIndex + 8, length: Int(length)) ?? ""
        let hello = try parse(text)
        buffer.moveReaderIndex(forwardBy: 8 + Int(length))
        return hello
    }

    /// Parses `v<min>..<max>[ options]` (or a single `v<n>`).
    public static func parse(_ text: String) throws -> TWSClientHello {
        let trimmed = text.hasSuffix("\0") ? String(text.dropLast()) : text
        let parts = trimmed.split(separator: " ", maxSplits: 1)
        guard let range = parts.first, range.hasPrefix("v") else {
            throw TWSWireError(.malformedHandshake, "hello \"\(trimmed.prefix(40))\" is not v<min>..<max>")
        }
        let body = range.dropFirst()
        var bounds: [Substring] = [body]
        if let dots = body.firstRange(of: "..") {
            bounds = [body[..<dots.lowerBound], body[dots.upperBound...]]
        }
        guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds.last ?? ""),
            low > 0, low <= high, high < 100_000
        else {
            throw TWSWireError(.malformedHandshake, "hello \"\(trimmed.prefix(40))\" has no valid version range")
        }
        return TWSClientHello(minVersion: low, maxVersion: high, options: parts.count > 1 ? String(parts[1]) : "")
    }

    /// The version a server with maximum `serverMax` agrees to: min(client max, server max), refused
    /// when that falls below the client's minimum or outside 157...200.
    public func negotiate(serverMax: Int) throws -> Int {
        let version = min(maxVersion, serverMax)
        guard version >= minVersion else {
            throw TWSWireError(
                .unsupportedVersion, "client needs at least version \(minVersion), server offers at most \(serverMax)")
        }
        try TWSServerHello.validate(version)
        return version
    }
}

/// The server's answer to a hello: the negotiated version and its connection time.
public struct TWSServerHello: Hashable, Sendable {
    public var serverVersion: Int
    /// `yyyyMMdd HH:mm:ss <zone name>`.
    public var connectionTime: String

    public init(serverVersion: Int, connectionTime: String) {
        self.serverVersion = serverVersion
        self.connectionTime = connectionTime
    }

    /// The framed reply (two fields).
    public func encode() -> ByteBuffer {
        var writer = TWSFieldWriter(serverVersion: serverVersion, dialect: .server)
        writer.write(serverVersion)
        // The connection time is built by the simulator from plain ASCII, never containing NUL.
        try? writer.write(connectionTime)
        return writer.finish()
    }

    /// Client side: reads the reply from a frame payload and checks the version is one we speak.
    public static func decode(payload: ByteBuffer) throws -> TWSServerHello {
        let parts = payload.readableBytesView.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count >= 2, let version = Int(String(decoding: parts[0], as: UTF8.self)) else {
            throw TWSWireError(.malformedHandshake, "server reply is not <version>\\0<time>\\0")
        }
        try validate(version)
        return TWSServerHello(serverVersion: version, connectionTime: String(decoding: parts[1], as: UTF8.self))
    }

    /// Refuses versions outside the text protocol range 157...200.
    public static func validate(_ version: Int) throws {
        if version > TWSProtocolVersions.maximumText {
            throw TWSWireError(
                .unsupportedVersion,
                "server version \(version) uses the binary/protobuf protocol (201+), which is not supported; advertise at most 200"
            )
        }
        if version < TWSProtocolVersions.minimum {
            throw TWSWireError(
                .unsupportedVersion,
                "server version \(version) is too old (need \(TWSProtocolVersions.minimum)+); upgrade IB Gateway/TWS")
        }
    }
}
