import Foundation

/// ISO 8601 with offsets (`2026-03-04T10:30:00-05:00`, `...Z`).
public enum ISO8601 {
    /// The time `text` names, with or without fractional seconds; nil when it is not ISO 8601.
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    /// The time in New York with its offset, as the CLI prints times.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "America/New_York")
        return f.string(from: date)
    }
}
