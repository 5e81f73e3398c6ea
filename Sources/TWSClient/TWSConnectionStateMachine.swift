import TWSWire

/// What a connection knows once it is ready.
public struct TWSConnectionInfo: Sendable, Equatable {
    public var serverVersion: Int
    public var connectionTime: String
    public var accounts: [String]
    public var nextOrderId: Int

    /// True when every managed account is a paper account (ids beginning with D).
    public var allAccountsArePaper: Bool {
        !accounts.isEmpty && accounts.allSatisfy { $0.hasPrefix("D") }
    }
}

/// The handshake and readiness of one connection, without I/O: events in, actions out.
/// Ready means the server replied, START_API went out, and both managedAccounts and nextValidId
/// arrived (what ib_async also waits for).
public struct TWSConnectionStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case idle
        case awaitingServerHello
        case awaitingReady(serverVersion: Int, connectionTime: String, accounts: [String]?, nextOrderId: Int?)
        case ready(TWSConnectionInfo)
        case closed
    }

    public enum Action: Sendable, Equatable {
        case sendHello(TWSClientHello)
        case sendStartAPI(serverVersion: Int)
        case ready(TWSConnectionInfo)
        case fail(code: TWSClientError.Code, message: String)
        case none
    }

    public private(set) var state: State = .idle
    public let maxServerVersion: Int

    public init(maxServerVersion: Int) {
        self.maxServerVersion = maxServerVersion
    }

    /// TCP is up: say hello.
    public mutating func connected() -> Action {
        guard state == .idle else { return .none }
        state = .awaitingServerHello
        return .sendHello(TWSClientHello(minVersion: TWSProtocolVersions.minimum, maxVersion: maxServerVersion))
    }

    /// The server's version and time arrived.
    public mutating func serverHelloReceived(_ hello: TWSServerHello) -> Action {
        guard state == .awaitingServerHello else { return .none }
        guard hello.serverVersion <= maxServerVersion, hello.serverVersion >= TWSProtocolVersions.minimum else {
            state = .closed
            return .fail(
                code: .serverVersionUnsupported,
                message:
                    "the gateway negotiated version \(hello.serverVersion); this client speaks \(TWSProtocolVersions.minimum)...\(maxServerVersion). Upgrade IB Gateway/TWS if it is older."
            )
        }
        state = .awaitingReady(
            serverVersion: hello.serverVersion, connectionTime: hello.connectionTime, accounts: nil, nextOrderId: nil)
        return .sendStartAPI(serverVersion: hello.serverVersion)
    }

    /// A message arrived; before readiness only accounts, next id and a refusal matter.
    public mutating func messageReceived(_ message: TWSServerMessage, clientId: Int) -> Action {
        guard case .awaitingReady(let version, let time, var accounts, var nextId) = state else { return .none }
        switch message {
        case .managedAccounts(let m): accounts = m.accounts
        case .nextValidId(let m): nextId = m.orderId
        case .error(let e) where TWSErrorCode(e.errorCode).kind == .connectionFatal:
            state = .closed
            let meaning = TWSErrorCode(e.errorCode)
            let code: TWSClientError.Code =
                switch meaning {
                case .clientIdInUse: .clientIdInUse
                case .unsupportedVersion: .serverVersionUnsupported
                default: .connectionRejected
                }
            return .fail(
                code: code,
                message: meaning.fatalExplanation(clientId: clientId)
                    ?? "the gateway refused the connection: \(e.errorString) (IB \(e.errorCode))")
        default: return .none
        }
        if let accounts, let nextId {
            let info = TWSConnectionInfo(
                serverVersion: version, connectionTime: time, accounts: accounts, nextOrderId: nextId)
            state = .ready(info)
            return .ready(info)
        }
        state = .awaitingReady(serverVersion: version, connectionTime: time, accounts: accounts, nextOrderId: nextId)
        return .none
    }

    /// The handshake took too long.
    public mutating func handshakeTimedOut() -> Action {
        switch state {
        case .awaitingServerHello, .awaitingReady, .idle:
            state = .closed
            return .fail(
                code: .handshakeTimeout,
                message:
                    "the gateway did not complete the handshake in time: is this the API port (4002 paper gateway, 7497 paper TWS) and is the API enabled?"
            )
        default:
            return .none
        }
    }

    /// The connection closed.
    public mutating func closed() -> Action {
        let wasReady: Bool
        if case .ready = state { wasReady = true } else { wasReady = false }
        let wasClosed = state == .closed
        state = .closed
        if wasClosed { return .none }
        return .fail(
            code: .disconnected,
            message: wasReady
                ? "the gateway closed the connection" : "the gateway closed the connection during the handshake")
    }
}

/// Connection-level status kept from IB's notices: farms, connectivity, competing session.
public struct TWSConnectionStatus: Sendable, Equatable {
    /// Farm name -> OK (2104/2106/2158) or broken (2103/2105).
    public var farms: [String: Bool] = [:]
    public var connectivityLost = false
    public var competingSession = false
    public var lastErrorCode: Int?
    public var lastErrorMessage: String?

    public init() {}

    /// Applies a connection-level message (reqId -1); returns the event it means, if any.
    public mutating func apply(code: Int, message: String) -> TWSClientEvent? {
        let farm = message.split(separator: ":").last.map(String.init) ?? ""
        let meaning = TWSErrorCode(code)
        if let ok = meaning.farmIsOK {
            farms[farm] = ok
            return .farm(name: farm, ok: ok, code: code)
        }
        switch meaning {
        case .connectivityLost: connectivityLost = true; return .connectivityLost
        case .connectivityRestoredDataLost: connectivityLost = false; return .connectivityRestored(dataLost: true)
        case .connectivityRestored: connectivityLost = false; return .connectivityRestored(dataLost: false)
        case .competingSession: competingSession = true; return .competingSession
        case _ where meaning.isGatewayNotice: return .notice(code: code, message: message)
        default:
            lastErrorCode = code
            lastErrorMessage = message
            return .error(code: code, message: message, reqId: -1)
        }
    }
}

/// Something that happened to the connection (not to one request).
public enum TWSClientEvent: Sendable, Equatable {
    case connected(TWSConnectionInfo)
    case disconnected(reason: String)
    case reconnecting(attempt: Int, delay: Duration)
    case farm(name: String, ok: Bool, code: Int)
    case connectivityLost
    case connectivityRestored(dataLost: Bool)
    case competingSession
    case subscriptionsRestored(count: Int)
    case notice(code: Int, message: String)
    case error(code: Int, message: String, reqId: Int)
}

extension TWSClientEvent {
    /// The IB code behind the event (a farm notice, 1100, 1101/1102, 10197, a notice or an error); nil
    /// for the client's own events.
    public var ibCode: Int? {
        switch self {
        case .farm(_, _, let code), .notice(let code, _), .error(let code, _, _): code
        case .connectivityLost: TWSErrorCode.connectivityLost.rawValue
        case .connectivityRestored(let dataLost):
            (dataLost ? TWSErrorCode.connectivityRestoredDataLost : .connectivityRestored).rawValue
        case .competingSession: TWSErrorCode.competingSession.rawValue
        case .connected, .disconnected, .reconnecting, .subscriptionsRestored: nil
        }
    }
}
