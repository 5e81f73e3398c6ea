/// IB's `Decimal` values (sizes, quantities, volumes): exact decimal text such as `200`, `0.5`,
/// `252.266`, kept as a 64-bit mantissa and a decimal scale so that parsing never allocates.
public struct TWSDecimal: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Digits without the decimal point.
    public var mantissa: Int64
    /// Number of digits after the decimal point (0...18).
    public var scale: Int8

    public init(mantissa: Int64, scale: Int8 = 0) {
        self.mantissa = mantissa
        self.scale = scale
    }

    public init(integerLiteral value: Int64) {
        self.init(mantissa: value)
    }

    /// The nearest decimal with up to 8 fractional digits (fractional shares use at most 4); nil
    /// for values a decimal size cannot hold (non-finite, or beyond +-9e15).
    public init?(exactly value: Double) {
        guard value.isFinite, abs(value) < 9e15 else { return nil }
        if value == value.rounded() {
            self.init(mantissa: Int64(value))
            return
        }
        guard abs(value) < 9e10 else {
            self.init(mantissa: Int64(value.rounded()))
            return
        }
        let scaled = (value * 1e8).rounded()
        var m = Int64(scaled)
        var s: Int8 = 8
        while s > 0 && m % 10 == 0 {
            m /= 10
            s -= 1
        }
        self.init(mantissa: m, scale: s)
    }

    /// The nearest decimal to `value`; values a decimal cannot hold become 0.
    public init(_ value: Double) {
        self = TWSDecimal(exactly: value) ?? TWSDecimal(mantissa: 0)
    }

    /// Parses decimal text (`-12`, `0.25`, `1.0`); nil for anything else or more than 18 digits.
    public init?<Bytes: Collection>(ascii bytes: Bytes) where Bytes.Element == UInt8 {
        var m: Int64 = 0
        var scale: Int8 = 0
        var negative = false
        var seenDot = false
        var digits = 0
        var index = bytes.startIndex
        if index != bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        while index != bytes.endIndex {
            let b = bytes[index]
            if b == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else if b >= 48 && b <= 57 {
                digits += 1
                if digits > 18 { return nil }
                m = m * 10 + Int64(b - 48)
                if seenDot { scale += 1 }
            } else {
                return nil
            }
            index = bytes.index(after: index)
        }
        if digits == 0 { return nil }
        self.init(mantissa: negative ? -m : m, scale: scale)
    }

    /// Parses decimal text; nil when it is not a decimal.
    public init?(_ text: String) {
        self.init(ascii: Array(text.utf8))
    }

    /// The value as a double (exact for the sizes IB sends).
    public var doubleValue: Double {
        var d = Double(mantissa)
        var s = scale
        while s > 0 {
            d /= 10
            s -= 1
        }
        return d
    }

    public var description: String {
        if scale == 0 { return String(mantissa) }
        let negative = mantissa < 0
        var digits = String(negative ? -mantissa : mantissa)
        let needed = Int(scale) + 1
        if digits.count < needed { digits = String(repeating: "0", count: needed - digits.count) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -Int(scale))
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }

    public static func == (lhs: TWSDecimal, rhs: TWSDecimal) -> Bool {
        lhs.doubleValue == rhs.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(doubleValue)
    }
}
