import ArgumentParser
import Tools

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

    func run() throws {
        let decoded = WireDecodeTool.decodeStandardInput(
            from: from == .client ? .client : .server, serverVersion: serverVersion, hex: hex)
        if !decoded { throw ExitCode(1) }
    }
}
