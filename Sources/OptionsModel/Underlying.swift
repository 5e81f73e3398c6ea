/// What kind of instrument an underlying is.
public enum UnderlyingKind: String, Sendable, Hashable, Codable {
    case stock = "STK"
    case index = "IND"
}

/// An instrument whose options are collected (SPY, QQQ, IWM), or a reference index such as VIX.
public struct Underlying: Sendable, Hashable, Codable {
    public var symbol: String
    public var kind: UnderlyingKind
    /// Routing exchange: `SMART` for stocks, `CBOE` for VIX.
    public var exchange: String
    public var currency: String
    public var conId: Int?

    public init(
        symbol: String, kind: UnderlyingKind = .stock, exchange: String = "SMART", currency: String = "USD",
        conId: Int? = nil
    ) {
        self.symbol = symbol
        self.kind = kind
        self.exchange = exchange
        self.currency = currency
        self.conId = conId
    }

    /// The CBOE Volatility Index as IB names it.
    public static let vix = Underlying(symbol: "VIX", kind: .index, exchange: "CBOE")
}
