import Foundation

/// US equity-options session calendar in exchange time (America/New_York): weekends, NYSE
/// holidays by rule, early closes, and conversion between instants and exchange-local days.
public struct MarketCalendar: Sendable {
    /// Exchange time zone.
    public let timeZone: TimeZone

    /// The New York calendar. Stops the program, saying why, when the system has no time-zone
    /// database (`checkTimeZoneDatabase()` lets a command refuse to start with that error first).
    public init() {
        switch Self.newYork {
        case .success(let zone): self.timeZone = zone
        case .failure(let error):
            // A fixed offset would put every session, slot and stored day an hour off for half the
            // year, silently: no answer is better than that one.
            fatalError("\(error)")
        }
    }

    /// The exchange's zone as `lookup` finds it (default: the system's time-zone database).
    public static func exchangeTimeZone(
        lookup: (String) -> TimeZone? = { TimeZone(identifier: $0) }
    ) throws(MissingTimeZoneDatabaseError) -> TimeZone {
        guard let zone = lookup(exchangeTimeZoneIdentifier) else {
            throw MissingTimeZoneDatabaseError(identifier: exchangeTimeZoneIdentifier)
        }
        return zone
    }

    /// Throws when the system's time-zone database cannot give New York's zone.
    public static func checkTimeZoneDatabase() throws(MissingTimeZoneDatabaseError) {
        _ = try newYork.get()
    }

    /// The exchange's zone identifier.
    public static let exchangeTimeZoneIdentifier = "America/New_York"

    static let newYork = Result { () throws(MissingTimeZoneDatabaseError) in try exchangeTimeZone() }

    /// Regular session open, minutes after local midnight (09:30).
    public static let openMinute = 9 * 60 + 30
    /// Regular session close, minutes after local midnight (16:00).
    public static let closeMinute = 16 * 60
    /// Early-close sessions end at 13:00.
    public static let earlyCloseMinute = 13 * 60

    /// Exchange-local calendar day of an instant.
    public func tradingDay(of date: Date) -> TradingDay {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        return TradingDay(dayNumber: Int((local / 86400).rounded(.down)))
    }

    /// Minutes after local midnight of an instant.
    public func minuteOfDay(_ date: Date) -> Int {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        let seconds = local - (local / 86400).rounded(.down) * 86400
        return Int(seconds / 60)
    }

    /// The instant of a local wall-clock time on a day.
    public func date(_ day: TradingDay, minute: Int, second: Int = 0) -> Date {
        let naive = Double(day.dayNumber) * 86400 + Double(minute * 60 + second)
        // Resolve the offset at the naive instant, then once more in case we crossed a DST switch.
        var offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: naive))
        offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: naive - Double(offset)))
        return Date(timeIntervalSince1970: naive - Double(offset))
    }

    /// True on weekdays that are not exchange holidays.
    public func isTradingDay(_ day: TradingDay) -> Bool {
        day.isoWeekday <= 5 && !isHoliday(day)
    }

    /// Session close minute for a trading day (13:00 on early-close days), nil when closed.
    public func closeMinute(on day: TradingDay) -> Int? {
        guard isTradingDay(day) else { return nil }
        return isEarlyClose(day) ? Self.earlyCloseMinute : Self.closeMinute
    }

    /// True while the regular session is open.
    public func isRegularSession(_ date: Date) -> Bool {
        let day = tradingDay(of: date)
        guard let close = closeMinute(on: day) else { return false }
        let minute = minuteOfDay(date)
        return minute >= Self.openMinute && minute < close
    }

    /// Open and close instants of a trading day's regular session, nil when closed.
    public func session(on day: TradingDay) -> (open: Date, close: Date)? {
        guard let close = closeMinute(on: day) else { return nil }
        return (date(day, minute: Self.openMinute), date(day, minute: close))
    }

    /// The next trading day strictly after `day`.
    public func nextTradingDay(after day: TradingDay) -> TradingDay {
        var next = day.adding(days: 1)
        while !isTradingDay(next) { next = next.adding(days: 1) }
        return next
    }

    /// The latest trading day strictly before `day`.
    public func previousTradingDay(before day: TradingDay) -> TradingDay {
        var previous = day.adding(days: -1)
        while !isTradingDay(previous) { previous = previous.adding(days: -1) }
        return previous
    }

    /// The open of the latest regular session that started at or before `date`.
    public func latestSessionOpen(atOrBefore date: Date) -> Date {
        var day = tradingDay(of: date)
        if isTradingDay(day), let s = session(on: day), s.open <= date { return s.open }
        day = previousTradingDay(before: day)
        return self.date(day, minute: Self.openMinute)
    }

    /// Trading days in `from...to`, ascending.
    public func tradingDays(from: TradingDay, to: TradingDay) -> [TradingDay] {
        guard from <= to else { return [] }
        return (from.dayNumber...to.dayNumber).map(TradingDay.init(dayNumber:)).filter(isTradingDay)
    }

    // MARK: - Holidays (NYSE rules)

    /// NYSE full-day holidays: New Year, MLK, Presidents, Good Friday, Memorial, Juneteenth (from
    /// 2022), Independence, Labor, Thanksgiving, Christmas; Saturday holidays move to Friday and
    /// Sunday ones to Monday, except New Year's Day on a Saturday, which is not observed.
    public func isHoliday(_ day: TradingDay) -> Bool {
        Self.holidays(in: day.year).contains(day)
    }

    /// Early closes (13:00): the day before Independence Day, the day after Thanksgiving, Christmas Eve.
    public func isEarlyClose(_ day: TradingDay) -> Bool {
        guard isTradingDay(day) else { return false }
        let y = day.year
        let thanksgiving = Self.nthWeekday(4, weekday: 4, month: 11, year: y)
        if day == thanksgiving.adding(days: 1) { return true }
        if day.month == 12 && day.day == 24 { return true }
        if day.month == 7 && day.day == 3 { return true }
        return false
    }

    static func holidays(in year: Int) -> Set<TradingDay> {
        var days: Set<TradingDay> = []
        func observed(_ month: Int, _ dayOfMonth: Int, allowSaturdayShift: Bool = true) {
            guard let d = TradingDay(year: year, month: month, day: dayOfMonth) else { return }
            switch d.isoWeekday {
            case 6: if allowSaturdayShift { days.insert(d.adding(days: -1)) }
            case 7: days.insert(d.adding(days: 1))
            default: days.insert(d)
            }
        }
        observed(1, 1, allowSaturdayShift: false)
        days.insert(nthWeekday(3, weekday: 1, month: 1, year: year))
        days.insert(nthWeekday(3, weekday: 1, month: 2, year: year))
        days.insert(easter(year).adding(days: -2))
        days.insert(lastWeekday(1, month: 5, year: year))
        if year >= 2022 { observed(6, 19) }
        observed(7, 4)
        days.insert(nthWeekday(1, weekday: 1, month: 9, year: year))
        days.insert(nthWeekday(4, weekday: 4, month: 11, year: year))
        observed(12, 25)
        // New Year's Day of next year falling on a Saturday is not observed on Dec 31 (NYSE rule 7.2).
        return days
    }

    static func nthWeekday(_ n: Int, weekday: Int, month: Int, year: Int) -> TradingDay {
        // Month/day 1 always exist, so the initializer cannot fail here.
        let first = TradingDay(year: year, month: month, day: 1)!
        let offset = (weekday - first.isoWeekday + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    static func lastWeekday(_ weekday: Int, month: Int, year: Int) -> TradingDay {
        let nextMonthFirst =
            month == 12
            ? TradingDay(year: year + 1, month: 1, day: 1)! : TradingDay(year: year, month: month + 1, day: 1)!
        let last = nextMonthFirst.adding(days: -1)
        let back = (last.isoWeekday - weekday + 7) % 7
        return last.adding(days: -back)
    }

    /// Gregorian Easter Sunday (anonymous Gregorian algorithm).
    static func easter(_ year: Int) -> TradingDay {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        // The algorithm yields March or April with a valid day.
        return TradingDay(year: year, month: month, day: day)!
    }
}

/// The system's time-zone database has no entry for the exchange's zone.
public struct MissingTimeZoneDatabaseError: Error, Sendable, CustomStringConvertible {
    /// The zone looked up.
    public let identifier: String

    /// What is missing and how to install it.
    public var description: String {
        "the system's time-zone database has no \(identifier): exchange times cannot be computed; install the tzdata package (or point TZDIR at a zoneinfo directory)"
    }
}
