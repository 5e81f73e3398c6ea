import Foundation

/// Where a piece of market data came from.
public enum DataSource: String, Sendable, Hashable, Codable, CaseIterable {
    case ib
    case polygon
    case simulator
}

/// Market data types as IB defines them (reqMarketDataType 1-4).
public enum MarketDataType: Int, Sendable, Hashable, Codable, CaseIterable {
    case live = 1
    case frozen = 2
    case delayed = 3
    case delayedFrozen = 4

    /// The config spelling (`live`, `frozen`, `delayed`, `delayed_frozen`).
    public var configName: String {
        switch self {
        case .live: "live"
        case .frozen: "frozen"
        case .delayed: "delayed"
        case .delayedFrozen: "delayed_frozen"
        }
    }

    /// Parses the config spelling.
    public init?(configName: String) {
        guard let match = Self.allCases.first(where: { $0.configName == configName }) else { return nil }
        self = match
    }

    /// Delayed types carry delayed tick ids and are flagged as such in storage.
    public var isDelayed: Bool { self == .delayed || self == .delayedFrozen }
}

/// Data-quality flags carried by each stored option row.
public struct QualityFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// No usable greeks (delta or IV absent).
    public static let greeksMissing = QualityFlags(rawValue: 1 << 0)
    /// The source sent a sentinel (-1/-2, unset) for at least one field.
    public static let sentinel = QualityFlags(rawValue: 1 << 1)
    /// Bid above ask.
    public static let crossed = QualityFlags(rawValue: 1 << 2)
    /// Only one side of the quote present.
    public static let oneSided = QualityFlags(rawValue: 1 << 3)
    /// Quote older than the tolerance (or frozen).
    public static let stale = QualityFlags(rawValue: 1 << 4)
    /// Delayed market data.
    public static let delayed = QualityFlags(rawValue: 1 << 5)

    /// Names for logs and JSON.
    public var names: [String] {
        var out: [String] = []
        if contains(.greeksMissing) { out.append("greeks_missing") }
        if contains(.sentinel) { out.append("sentinel") }
        if contains(.crossed) { out.append("crossed") }
        if contains(.oneSided) { out.append("one_sided") }
        if contains(.stale) { out.append("stale") }
        if contains(.delayed) { out.append("delayed") }
        return out
    }

    /// Flags that follow from a quote and greeks alone.
    public static func derived(quote: Quote, greeks: Greeks) -> QualityFlags {
        var flags: QualityFlags = []
        if !greeks.isUsable { flags.insert(.greeksMissing) }
        switch (quote.bid, quote.ask) {
        case (let bid?, let ask?) where bid > ask: flags.insert(.crossed)
        case (nil, .some), (.some, nil): flags.insert(.oneSided)
        default: break
        }
        return flags
    }
}

/// One option contract's market state at a collection cycle.
public struct OptionQuote: Sendable, Hashable, Codable {
    public var contract: OptionContract
    public var quote: Quote
    public var greeks: Greeks
    public var underlyingPrice: Double?
    public var flags: QualityFlags
    public var source: DataSource

    public init(
        contract: OptionContract, quote: Quote, greeks: Greeks, underlyingPrice: Double?,
        flags: QualityFlags? = nil, source: DataSource
    ) {
        self.contract = contract
        self.quote = quote
        self.greeks = greeks
        self.underlyingPrice = underlyingPrice
        self.flags = flags ?? QualityFlags.derived(quote: quote, greeks: greeks)
        self.source = source
    }
}

/// All option rows of one underlying captured in one collection cycle.
public struct ChainSnapshot: Sendable, Hashable, Codable {
    public var symbol: String
    /// The collection cycle's timestamp (UTC); re-running a cycle reuses it.
    public var timestamp: Date
    public var underlyingPrice: Double?
    public var options: [OptionQuote]
    public var source: DataSource

    public init(symbol: String, timestamp: Date, underlyingPrice: Double?, options: [OptionQuote], source: DataSource) {
        self.symbol = symbol
        self.timestamp = timestamp
        self.underlyingPrice = underlyingPrice
        self.options = options
        self.source = source
    }

    /// Distinct expiries present, ascending.
    public var expiries: [Expiry] { Array(Set(options.map(\.contract.expiry))).sorted() }
}

/// Direction of the underlying from daily closes (DESIGN.md: price vs SMA20 vs SMA50).
public enum Trend: String, Sendable, Hashable, Codable {
    case uptrend
    case downtrend
    case neutral
}
