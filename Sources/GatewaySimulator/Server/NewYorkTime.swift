import Foundation
import OptionsModel

/// Exchange-local (New York) time text in the formats the gateway uses.
enum NewYorkTime {
    /// `date` formatted with `pattern` in America/New_York.
    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = MarketCalendar().timeZone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// `yyyyMMdd HH:mm:ss US/Eastern`: connection and execution times.
    static func stamp(_ date: Date) -> String { format(date, "yyyyMMdd HH:mm:ss") + " US/Eastern" }
}
