import Foundation

/// An option's expiration date as a calendar day (exchange-local), written `YYYYMMDD` on the wire.
public struct Expiry: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates an expiry; returns nil for an impossible date.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2999).contains(year), (1...12).contains(month), (1...31).contains(day),
            day <= Expiry.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYYMMDD` (IB, storage) or `YYYY-MM-DD` (Polygon).
    public init?(_ text: String) {
        let digits = text.filter { $0 != "-" }
        guard digits.count == 8, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
        self.init(year: value / 10000, month: (value / 100) % 100, day: value % 100)
    }

    /// `YYYYMMDD`, IB's lastTradeDateOrContractMonth format.
    public var yyyymmdd: String {
        String(format: "%04d%02d%02d", year, month, day)
    }

    /// `YYYY-MM-DD`, Polygon's and ISO's format.
    public var iso: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// `YYYYMM`, the year-month bucket stored with each snapshot row.
    public var yearMonth: String {
        String(format: "%04d%02d", year, month)
    }

    public var description: String { yyyymmdd }

    /// Days since 1970-01-01 for this calendar day (proleptic Gregorian), used for DTE arithmetic.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil: exact integer arithmetic, no time zones involved.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The calendar day with the given day number (inverse of `dayNumber`).
    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Day of week, 1 = Monday ... 7 = Sunday (ISO 8601).
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (ISO 4).
        let r = (dayNumber + 3) % 7
        return (r < 0 ? r + 7 : r) + 1
    }

    /// The day `n` calendar days later (negative for earlier).
    public func adding(days n: Int) -> Expiry { Expiry(dayNumber: dayNumber + n) }

    /// Calendar days from `other` to `self`.
    public func days(since other: Expiry) -> Int { dayNumber - other.dayNumber }

    public static func < (lhs: Expiry, rhs: Expiry) -> Bool { lhs.dayNumber < rhs.dayNumber }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Expiry(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a YYYYMMDD date: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(yyyymmdd)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A calendar day in the exchange's time zone; the same representation as an expiry.
public typealias TradingDay = Expiry
