/// The next cash dividend of an underlying: its ex-dividend date and amount per share. A short call
/// in the money whose time value is below the amount is likely to be assigned the day before.
public struct Dividend: Sendable, Equatable, Hashable, Codable {
    /// The first day the shares trade without the dividend.
    public var exDate: TradingDay
    /// Dollars per share.
    public var amount: Double

    /// A dividend.
    public init(exDate: TradingDay, amount: Double) {
        self.exDate = exDate
        self.amount = amount
    }
}
