/// A top-of-book quote. Every field is optional: absent means the source did not send it
/// (or sent a sentinel), never zero.
public struct Quote: Sendable, Hashable, Codable {
    public var bid: Double?
    public var ask: Double?
    public var last: Double?
    public var bidSize: Double?
    public var askSize: Double?
    public var volume: Double?
    public var openInterest: Double?
    public var close: Double?

    public init(
        bid: Double? = nil, ask: Double? = nil, last: Double? = nil, bidSize: Double? = nil,
        askSize: Double? = nil, volume: Double? = nil, openInterest: Double? = nil, close: Double? = nil
    ) {
        self.bid = bid
        self.ask = ask
        self.last = last
        self.bidSize = bidSize
        self.askSize = askSize
        self.volume = volume
        self.openInterest = openInterest
        self.close = close
    }

    /// Midpoint of a two-sided, uncrossed quote.
    public var mid: Double? {
        guard let bid, let ask, bid > 0, ask >= bid else { return nil }
        return (bid + ask) / 2
    }

    /// Bid-ask spread as a fraction of mid, for liquidity gates.
    public var spreadFraction: Double? {
        guard let bid, let ask, let mid, mid > 0 else { return nil }
        return (ask - bid) / mid
    }

    /// Best available price: mid, else last, else close.
    public var mark: Double? { mid ?? last ?? close }
}

/// Option greeks and implied volatility. Greeks are per share, IV is a fraction (0.18 = 18%).
public struct Greeks: Sendable, Hashable, Codable {
    public var impliedVolatility: Double?
    public var delta: Double?
    public var gamma: Double?
    public var theta: Double?
    public var vega: Double?

    public init(
        impliedVolatility: Double? = nil, delta: Double? = nil, gamma: Double? = nil, theta: Double? = nil,
        vega: Double? = nil
    ) {
        self.impliedVolatility = impliedVolatility
        self.delta = delta
        self.gamma = gamma
        self.theta = theta
        self.vega = vega
    }

    /// True when delta and IV, the two values decisions depend on, are both present.
    public var isUsable: Bool { delta != nil && impliedVolatility != nil }
}
