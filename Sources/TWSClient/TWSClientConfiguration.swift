import OptionsModel
import TWSWire

/// How the client connects and how hard it may use the gateway.
public struct TWSClientConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 4002 paper IB Gateway, 7497 paper TWS.
    public var port = 4002
    public var clientId = 17
    public var connectTimeout: Duration = .seconds(10)
    /// From TCP connect to nextValidId + managedAccounts.
    public var handshakeTimeout: Duration = .seconds(10)
    /// Default timeout of one request.
    public var requestTimeout: Duration = .seconds(30)
    /// IB's limit is 50; the token bucket runs at 90% of this.
    public var maxMessagesPerSecond = 50
    public var maxMarketDataLines = 100
    public var marketDataType: MarketDataType = .live
    public var reconnectInitialBackoff: Duration = .seconds(1)
    public var reconnectMaxBackoff: Duration = .seconds(60)
    /// Highest version we advertise (REFERENCE.md: 178, what ib_async uses).
    public var maxServerVersion = TWSProtocolVersions.clientDefaultMaximum
    /// Record every frame to `<path>.client` and `<path>.server`.
    public var captureFile: String?

    public init() {}
}

/// A failure of a client call, with what to do about it.
public struct TWSClientError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let connectionRefused = Code(name: "connection refused")
        public static let handshakeTimeout = Code(name: "handshake timeout")
        public static let clientIdInUse = Code(name: "client id in use")
        public static let serverVersionUnsupported = Code(name: "server version unsupported")
        /// The gateway refused the connection with another connection-fatal IB code.
        public static let connectionRejected = Code(name: "connection rejected")
        public static let requestTimeout = Code(name: "request timeout")
        public static let requestFailed = Code(name: "request failed")
        public static let disconnected = Code(name: "disconnected")
        public static let notConnected = Code(name: "not connected")
        public static let notPaperAccount = Code(name: "not a paper account")
        public static let protocolError = Code(name: "protocol error")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// IB's error code when the gateway refused the request.
    public var ibCode: Int?
    /// IB's advanced order reject JSON, when present.
    public var advancedOrderRejectJson: String?

    public init(_ code: Code, _ message: String, ibCode: Int? = nil, advancedOrderRejectJson: String? = nil) {
        self.code = code
        self.message = message
        self.ibCode = ibCode
        self.advancedOrderRejectJson = advancedOrderRejectJson
    }

    /// Whether trying again later can help.
    public var isRetryable: Bool {
        [.connectionRefused, .handshakeTimeout, .requestTimeout, .disconnected, .notConnected].contains(code)
            || (code == .requestFailed && ibCode.map { TWSErrorCode($0).isTransient } == true)
    }

    /// Whether the gateway refused this client for good: retrying with the same settings cannot
    /// help, so `run()` ends with it and every waiting call fails with it.
    public var isConnectionFatal: Bool {
        [.clientIdInUse, .serverVersionUnsupported, .connectionRejected].contains(code)
    }

    /// Whether IB refused a market-data request because every line was taken (101).
    public var isMarketDataLineLimit: Bool {
        code == .requestFailed && ibCode.map { TWSErrorCode($0) == .tooManyTickers } == true
    }

    public var description: String {
        "\(code): \(message)" + (ibCode.map { " (IB \($0))" } ?? "")
    }
}
