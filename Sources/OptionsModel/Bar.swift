/// One OHLCV bar; daily bars carry the exchange-local trading day.
public struct Bar: Sendable, Hashable, Codable {
    public var day: TradingDay
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double?

    public init(day: TradingDay, open: Double, high: Double, low: Double, close: Double, volume: Double? = nil) {
        self.day = day
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
