import Foundation

/// An equity or index option contract, identified by underlying, expiry, strike and right.
public struct OptionContract: Sendable, Hashable, Codable, CustomStringConvertible {
    public var symbol: String
    public var expiry: Expiry
    public var strike: Double
    public var right: OptionRight
    /// Contract multiplier; 100 for US equity options.
    public var multiplier: Int
    /// IB's contract id when known (needed for combo legs).
    public var conId: Int?
    /// IB's trading class (e.g. `SPY`); weeklies of some underlyings use another class.
    public var tradingClass: String?

    public init(
        symbol: String, expiry: Expiry, strike: Double, right: OptionRight, multiplier: Int = 100,
        conId: Int? = nil, tradingClass: String? = nil
    ) {
        self.symbol = symbol
        self.expiry = expiry
        self.strike = strike
        self.right = right
        self.multiplier = multiplier
        self.conId = conId
        self.tradingClass = tradingClass
    }

    /// OCC symbology, e.g. `SPY   260116C00590000` (root padded to 6, strike in thousandths).
    public var occSymbol: String {
        let root = symbol.padding(toLength: 6, withPad: " ", startingAt: 0)
        let yymmdd = String(expiry.yyyymmdd.dropFirst(2))
        let thousandths = Int((strike * 1000).rounded())
        let strikeDigits = String(thousandths)
        let padded = String(repeating: "0", count: max(0, 8 - strikeDigits.count)) + strikeDigits
        return root + yymmdd + right.code + padded
    }

    /// Polygon's ticker form, e.g. `O:SPY260116C00590000`.
    public var polygonTicker: String {
        "O:" + occSymbol.replacingOccurrences(of: " ", with: "")
    }

    /// Identity used for storage and de-duplication (symbol, expiry, strike, right).
    public var key: OptionKey { OptionKey(symbol: symbol, expiry: expiry, strike: strike, right: right) }

    public var description: String { "\(symbol) \(expiry) \(strike.formatted2) \(right.code)" }
}

/// The storage identity of an option contract.
public struct OptionKey: Sendable, Hashable, Codable {
    public var symbol: String
    public var expiry: Expiry
    public var strike: Double
    public var right: OptionRight

    public init(symbol: String, expiry: Expiry, strike: Double, right: OptionRight) {
        self.symbol = symbol
        self.expiry = expiry
        self.strike = strike
        self.right = right
    }
}

extension Double {
    /// Compact decimal text for strikes and prices in messages (`590`, `592.5`).
    public var formatted2: String {
        if self == rounded() && abs(self) < 1e15 { return String(Int(self)) }
        return String(self)
    }
}
