/// An IB tick type (the `tickType` of tickPrice, tickSize, tickGeneric, tickString and
/// tickOptionComputation), by IB's numbers. Defined once here and used by client and simulator alike.
public struct TWSTickType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    /// A tick type as received.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// A tick type as received.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }

    // MARK: Live quote ticks

    /// Bid size.
    public static let bidSize = TWSTickType(0)
    /// Bid price.
    public static let bid = TWSTickType(1)
    /// Ask price.
    public static let ask = TWSTickType(2)
    /// Ask size.
    public static let askSize = TWSTickType(3)
    /// Last trade price.
    public static let last = TWSTickType(4)
    /// Last trade size.
    public static let lastSize = TWSTickType(5)
    /// The day's high.
    public static let high = TWSTickType(6)
    /// The day's low.
    public static let low = TWSTickType(7)
    /// The day's volume.
    public static let volume = TWSTickType(8)
    /// The previous close.
    public static let close = TWSTickType(9)
    /// Option computation on the bid.
    public static let bidOptionComputation = TWSTickType(10)
    /// Option computation on the ask.
    public static let askOptionComputation = TWSTickType(11)
    /// Option computation on the last trade.
    public static let lastOptionComputation = TWSTickType(12)
    /// Option computation of IB's model.
    public static let modelOptionComputation = TWSTickType(13)
    /// The day's open.
    public static let open = TWSTickType(14)

    // MARK: Generic-list ticks

    /// 13-week low (generic list 165).
    public static let low13Week = TWSTickType(15)
    /// 13-week high (generic list 165).
    public static let high13Week = TWSTickType(16)
    /// 26-week low (generic list 165).
    public static let low26Week = TWSTickType(17)
    /// 26-week high (generic list 165).
    public static let high26Week = TWSTickType(18)
    /// 52-week low (generic list 165).
    public static let low52Week = TWSTickType(19)
    /// 52-week high (generic list 165).
    public static let high52Week = TWSTickType(20)
    /// Average volume (generic list 165).
    public static let averageVolume = TWSTickType(21)
    /// Historical volatility of the underlying (generic list 104).
    public static let optionHistoricalVolatility = TWSTickType(23)
    /// Implied volatility of the underlying (generic list 106).
    public static let optionImpliedVolatility = TWSTickType(24)
    /// Call open interest (generic list 101).
    public static let optionCallOpenInterest = TWSTickType(27)
    /// Put open interest (generic list 101).
    public static let optionPutOpenInterest = TWSTickType(28)
    /// Call volume (generic list 100).
    public static let optionCallVolume = TWSTickType(29)
    /// Put volume (generic list 100).
    public static let optionPutVolume = TWSTickType(30)
    /// Mark price (generic list 221).
    public static let markPrice = TWSTickType(37)
    /// Shortable (generic list 236).
    public static let shortable = TWSTickType(46)
    /// RTVolume (generic list 233).
    public static let rtVolume = TWSTickType(48)
    /// The answer to calculateImpliedVolatility / calculateOptionPrice (IB's CUST_OPTION_COMPUTATION).
    public static let customOptionComputation = TWSTickType(53)
    /// Trade count (generic list 293).
    public static let tradeCount = TWSTickType(54)
    /// Trade rate (generic list 294).
    public static let tradeRate = TWSTickType(55)
    /// Volume rate (generic list 295).
    public static let volumeRate = TWSTickType(56)
    /// Last regular-trading-hours trade (generic list 318).
    public static let lastRTHTrade = TWSTickType(57)
    /// Real-time historical volatility (generic list 411).
    public static let rtHistoricalVolatility = TWSTickType(58)
    /// IB dividends (generic list 456).
    public static let dividends = TWSTickType(59)
    /// Shortable shares (generic list 236).
    public static let shortableShares = TWSTickType(89)

    // MARK: Delayed quote ticks

    /// Delayed bid price.
    public static let delayedBid = TWSTickType(66)
    /// Delayed ask price.
    public static let delayedAsk = TWSTickType(67)
    /// Delayed last price.
    public static let delayedLast = TWSTickType(68)
    /// Delayed bid size.
    public static let delayedBidSize = TWSTickType(69)
    /// Delayed ask size.
    public static let delayedAskSize = TWSTickType(70)
    /// Delayed last size.
    public static let delayedLastSize = TWSTickType(71)
    /// Delayed high.
    public static let delayedHigh = TWSTickType(72)
    /// Delayed low.
    public static let delayedLow = TWSTickType(73)
    /// Delayed volume.
    public static let delayedVolume = TWSTickType(74)
    /// Delayed previous close.
    public static let delayedClose = TWSTickType(75)
    /// Delayed open.
    public static let delayedOpen = TWSTickType(76)
    /// Delayed option computation on the bid.
    public static let delayedBidOptionComputation = TWSTickType(80)
    /// Delayed option computation on the ask.
    public static let delayedAskOptionComputation = TWSTickType(81)
    /// Delayed option computation on the last trade.
    public static let delayedLastOptionComputation = TWSTickType(82)
    /// Delayed option computation of IB's model.
    public static let delayedModelOptionComputation = TWSTickType(83)

    // MARK: Meanings

    private static let liveToDelayed: [TWSTickType: TWSTickType] = [
        .bid: .delayedBid, .ask: .delayedAsk, .last: .delayedLast, .bidSize: .delayedBidSize,
        .askSize: .delayedAskSize, .lastSize: .delayedLastSize, .high: .delayedHigh, .low: .delayedLow,
        .volume: .delayedVolume, .close: .delayedClose, .open: .delayedOpen,
        .bidOptionComputation: .delayedBidOptionComputation, .askOptionComputation: .delayedAskOptionComputation,
        .lastOptionComputation: .delayedLastOptionComputation,
        .modelOptionComputation: .delayedModelOptionComputation,
    ]
    private static let delayedToLive = Dictionary(uniqueKeysWithValues: liveToDelayed.map { ($0.value, $0.key) })

    /// Whether this is one of the delayed quote ticks (66-76, 80-83).
    public var isDelayed: Bool { Self.delayedToLive[self] != nil }

    /// The live tick a delayed tick stands for; the tick itself when it is not delayed.
    public var live: TWSTickType { Self.delayedToLive[self] ?? self }

    /// The tick IB sends instead of this one on delayed data; the tick itself when it has no delayed form.
    public var delayed: TWSTickType { Self.liveToDelayed[self] ?? self }

    /// This tick, or its delayed form when `delayed` is true.
    public func served(delayed: Bool) -> TWSTickType { delayed ? self.delayed : self }

    /// The size tick IB derives from this price tick (bid -> bid size ...), if any.
    public var sizeTick: TWSTickType? {
        switch self {
        case .bid: .bidSize
        case .ask: .askSize
        case .last: .lastSize
        case .delayedBid: .delayedBidSize
        case .delayedAsk: .delayedAskSize
        case .delayedLast: .delayedLastSize
        default: nil
        }
    }
}

/// A generic tick list of reqMktData's `genericTickList` (IB's numbers), naming the extra ticks asked for.
public struct TWSGenericTickList: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    /// A list id as sent.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// A list id as sent.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }

    /// Option volume (ticks 29/30).
    public static let optionVolume = TWSGenericTickList(100)
    /// Option open interest (ticks 27/28); snapshots cannot carry it.
    public static let optionOpenInterest = TWSGenericTickList(101)
    /// Historical volatility (tick 23).
    public static let historicalVolatility = TWSGenericTickList(104)
    /// Option implied volatility of the underlying (tick 24).
    public static let optionImpliedVolatility = TWSGenericTickList(106)
    /// Miscellaneous stats: 13/26/52-week ranges, average volume (ticks 15-21).
    public static let miscellaneousStats = TWSGenericTickList(165)
    /// Mark price (tick 37).
    public static let markPrice = TWSGenericTickList(221)
    /// The second mark-price list IB accepts on delayed data.
    public static let markPriceAlternate = TWSGenericTickList(232)
    /// RTVolume (tick 48).
    public static let rtVolume = TWSGenericTickList(233)
    /// Shortable and shortable shares (ticks 46/89).
    public static let shortable = TWSGenericTickList(236)
    /// Fundamental ratios (needs a data subscription).
    public static let fundamentalRatios = TWSGenericTickList(258)
    /// Trade count (tick 54).
    public static let tradeCount = TWSGenericTickList(293)
    /// Trade rate (tick 55).
    public static let tradeRate = TWSGenericTickList(294)
    /// Volume rate (tick 56).
    public static let volumeRate = TWSGenericTickList(295)
    /// Last regular-trading-hours trade (tick 57).
    public static let lastRTHTrade = TWSGenericTickList(318)
    /// Real-time historical volatility (tick 58).
    public static let rtHistoricalVolatility = TWSGenericTickList(411)
    /// IB dividends (tick 59).
    public static let dividends = TWSGenericTickList(456)

    /// Lists IB accepts on delayed data (the others are ignored there).
    public static let acceptedOnDelayedData: Set<TWSGenericTickList> = [
        .optionOpenInterest, .optionImpliedVolatility, .miscellaneousStats, .markPrice, .markPriceAlternate,
        .shortable, .fundamentalRatios,
    ]

    /// The comma-separated `genericTickList` field of reqMktData.
    public static func field(_ lists: [TWSGenericTickList]) -> String {
        lists.map(\.description).joined(separator: ",")
    }
}
