/// An IB error code (the `errorCode` of an error message) with what it means. Defined once here and
/// used by client and simulator alike; codes we have no name for still classify by their range.
public struct TWSErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    /// A code as received.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// A code as received.
    public init(_ code: Int) { self.rawValue = code }
    public var description: String { String(rawValue) }

    /// How a code should be handled.
    public enum Kind: Sendable, Equatable {
        /// Data keeps coming; the message is a notice (farm status, delayed data instead of live).
        case informational
        /// Something degraded that usually heals (farm broken, connectivity lost, competing session).
        case warning
        /// The request with that id failed.
        case requestFatal
        /// Before its acknowledgement, the order is rejected.
        case orderRejecting
        /// The connection cannot be used: the user must act (client id in use, version unsupported).
        case connectionFatal
    }

    // MARK: Names

    /// Max rate of messages per second exceeded (the request is dropped unprocessed).
    public static let pacingViolation = TWSErrorCode(100)
    /// Max number of market-data tickers reached.
    public static let tooManyTickers = TWSErrorCode(101)
    /// Duplicate order id.
    public static let duplicateOrderId = TWSErrorCode(103)
    /// The price does not conform to the minimum price variation.
    public static let priceIncrement = TWSErrorCode(110)
    /// Can't find the order with that id.
    public static let orderNotFound = TWSErrorCode(135)
    /// Historical data request pacing violation.
    public static let historicalPacing = TWSErrorCode(162)
    /// No security definition found for the request.
    public static let noSecurityDefinition = TWSErrorCode(200)
    /// Order rejected (the reason follows).
    public static let orderRejected = TWSErrorCode(201)
    /// Order cancelled: the confirmation of a cancel, not a failure.
    public static let orderCancelled = TWSErrorCode(202)
    /// The security is not available or allowed for this account.
    public static let securityNotAllowed = TWSErrorCode(203)
    /// Can't find the request id (e.g. the cancel of an unknown ticker id).
    public static let unknownTickerId = TWSErrorCode(300)
    /// Error validating request (bad parameters).
    public static let validationError = TWSErrorCode(321)
    /// Error processing request (e.g. a duplicate ticker id).
    public static let processingError = TWSErrorCode(322)
    /// Order message warning: the order goes on (e.g. it will not be placed until the market opens).
    public static let orderWarning = TWSErrorCode(399)
    /// Client id already in use.
    public static let clientIdInUse = TWSErrorCode(326)
    /// Requested market data is not subscribed.
    public static let notSubscribed = TWSErrorCode(354)
    /// Couldn't connect to TWS.
    public static let couldNotConnect = TWSErrorCode(502)
    /// The TWS is out of date and must be upgraded.
    public static let unsupportedVersion = TWSErrorCode(503)
    /// Not connected.
    public static let notConnected = TWSErrorCode(504)
    /// Connectivity between IB and the gateway lost.
    public static let connectivityLost = TWSErrorCode(1100)
    /// Connectivity restored, market data lost (subscriptions must be re-sent).
    public static let connectivityRestoredDataLost = TWSErrorCode(1101)
    /// Connectivity restored, data maintained.
    public static let connectivityRestored = TWSErrorCode(1102)
    /// A market data farm connection is broken.
    public static let marketDataFarmBroken = TWSErrorCode(2103)
    /// A market data farm connection is OK.
    public static let marketDataFarmOK = TWSErrorCode(2104)
    /// A historical data farm connection is broken.
    public static let historicalFarmBroken = TWSErrorCode(2105)
    /// A historical data farm connection is OK.
    public static let historicalFarmOK = TWSErrorCode(2106)
    /// A security definition farm connection is broken.
    public static let secDefFarmBroken = TWSErrorCode(2157)
    /// A security definition farm connection is OK.
    public static let secDefFarmOK = TWSErrorCode(2158)
    /// Requested market data requires additional subscription (delayed data available).
    public static let delayedAvailable = TWSErrorCode(10089)
    /// Part of the requested market data is not subscribed.
    public static let partlyNotSubscribed = TWSErrorCode(10090)
    /// Part of the requested market data requires additional subscription (delayed shown).
    public static let partlyDelayed = TWSErrorCode(10091)
    /// No live subscription: delayed data displayed instead.
    public static let delayedDisplayed = TWSErrorCode(10167)
    /// Deep market data is not supported for this combination of security type and exchange.
    public static let depthNotSupported = TWSErrorCode(10092)
    /// The order to cancel was not found.
    public static let cancelNotFound = TWSErrorCode(10147)
    /// Delayed market data is not enabled for this account.
    public static let delayedNotEnabled = TWSErrorCode(10168)
    /// Failed to request tick-by-tick data.
    public static let tickByTickFailed = TWSErrorCode(10189)
    /// Competing live session: market data is being served to another session of this user.
    public static let competingSession = TWSErrorCode(10197)

    // MARK: Meanings

    /// A farm notice's farm state: true OK, false broken, nil when the code is not a farm notice.
    public var farmIsOK: Bool? {
        switch self {
        case .marketDataFarmOK, .historicalFarmOK, .secDefFarmOK: true
        case .marketDataFarmBroken, .historicalFarmBroken, .secDefFarmBroken: false
        default: nil
        }
    }

    /// The class of the code (DESIGN.md's rules of the domain).
    public var kind: Kind {
        switch self {
        case .clientIdInUse, .couldNotConnect, .unsupportedVersion, .notConnected: return .connectionFatal
        case .connectivityLost, .marketDataFarmBroken, .historicalFarmBroken, .secDefFarmBroken, .competingSession:
            return .warning
        case .orderCancelled: return .informational
        case .delayedAvailable, .partlyNotSubscribed, .partlyDelayed, .delayedDisplayed: return .informational
        default: break
        }
        switch rawValue {
        case 2100...2169, 1101, 1102: return .informational
        case 200...399: return .orderRejecting
        default: return .requestFatal
        }
    }

    /// IB's 2100-2169 range: notices about the gateway's state (farms, settings), never failures.
    public var isGatewayNotice: Bool { (2100...2169).contains(rawValue) }

    /// Advisories: data keeps coming, nothing failed.
    public var isAdvisory: Bool { kind == .informational && self != .orderCancelled }

    /// Codes that end an order's life when they arrive for its id: rejections and the cancel
    /// confirmation.
    public var endsOrder: Bool {
        self == .orderCancelled || self == .duplicateOrderId || self == .priceIncrement || self == .orderNotFound
            || kind == .orderRejecting
    }

    /// Transient refusals worth retrying later.
    public var isTransient: Bool {
        [
            .pacingViolation, .historicalPacing, .connectivityLost, .marketDataFarmBroken, .historicalFarmBroken,
            .competingSession,
        ].contains(self)
    }

    /// What a market-data permission code means for this program, in words; nil for other codes.
    public var permissionExplanation: String? {
        switch self {
        case .notSubscribed:
            "the account has no market-data subscription for this contract (354): options come back empty"
        case .delayedAvailable: "the API needs additional market-data subscriptions for this contract (10089)"
        case .delayedDisplayed: "no live subscription: IB is serving delayed data instead (10167)"
        case .delayedNotEnabled: "delayed market data is not enabled for this account (10168)"
        default: nil
        }
    }

    /// What a connection-fatal code means for the user, in words.
    public func fatalExplanation(clientId: Int) -> String? {
        switch self {
        case .clientIdInUse:
            "client id \(clientId) is already in use by another program: set gateway.client_id to an unused id"
        case .unsupportedVersion: "the gateway's API version is not supported: upgrade IB Gateway or TWS"
        case .couldNotConnect: "could not connect to the gateway: is IB Gateway or TWS running with the API enabled?"
        default: nil
        }
    }
}
