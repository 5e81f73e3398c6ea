import Foundation
import Testing

@testable import OptionsModel

@Suite struct ExpiryTests {
    @Test func parsesBothFormats() throws {
        let a = try #require(Expiry("20260116"))
        let b = try #require(Expiry("2026-01-16"))
        #expect(a == b)
        #expect(a.yyyymmdd == "20260116")
        #expect(a.iso == "2026-01-16")
        #expect(a.yearMonth == "202601")
        #expect(Expiry("20260230") == nil)
        #expect(Expiry("2026011") == nil)
    }

    @Test func dayNumberRoundTrips() {
        for n in stride(from: -1000, to: 40000, by: 37) {
            #expect(Expiry(dayNumber: n).dayNumber == n)
        }
        #expect(Expiry(year: 1970, month: 1, day: 1)?.dayNumber == 0)
        #expect(Expiry(year: 2026, month: 11, day: 22)?.isoWeekday == 7)  // a Sunday
    }

    @Test func occSymbol() throws {
        let c = OptionContract(symbol: "SPY", expiry: try #require(Expiry("20260116")), strike: 590, right: .call)
        #expect(c.occSymbol == "SPY   260116C00590000")
        #expect(c.polygonTicker == "O:SPY260116C00590000")
        let p = OptionContract(symbol: "IWM", expiry: try #require(Expiry("20260320")), strike: 212.5, right: .put)
        #expect(p.occSymbol == "IWM   260320P00212500")
    }
}

@Suite struct MarketCalendarTests {
    let cal = MarketCalendar()

    @Test func knownHolidays2026() {
        let holidays = [
            "20260101", "20260119", "20260216", "20260403", "20260525", "20260619", "20260703",
            "20260907", "20261126", "20261225",
        ]
        for h in holidays { #expect(cal.isHoliday(Expiry(h)!), "\(h)") }
        #expect(!cal.isTradingDay(Expiry("20261121")!))  // Saturday
        #expect(cal.isTradingDay(Expiry("20261123")!))
        #expect(cal.isEarlyClose(Expiry("20261127")!))
        #expect(cal.isEarlyClose(Expiry("20261224")!))
    }

    @Test func newYearOnSaturdayNotObserved() {
        // 2028-01-01 is a Saturday: NYSE stays open on Friday 2027-12-31.
        #expect(cal.isTradingDay(Expiry("20271231")!))
    }

    @Test func sessionTimesAcrossDST() throws {
        // Winter: 09:30 New York = 14:30 UTC; summer: 13:30 UTC.
        let winter = try #require(cal.session(on: Expiry("20260115")!))
        #expect(winter.open == Date(timeIntervalSince1970: 1_768_487_400))
        let summer = try #require(cal.session(on: Expiry("20260715")!))
        #expect(Int(summer.open.timeIntervalSince1970) % 86400 == 13 * 3600 + 1800)
        #expect(cal.isRegularSession(winter.open))
        #expect(!cal.isRegularSession(winter.close))
    }

    @Test func latestSessionOpenOnAWeekend() {
        // Sunday 2026-11-22 12:00 UTC -> Friday 2026-11-20 09:30 New York.
        let sunday = Date(timeIntervalSince1970: 1_795_348_800)
        let open = cal.latestSessionOpen(atOrBefore: sunday)
        #expect(cal.tradingDay(of: open) == Expiry("20261120")!)
        #expect(cal.minuteOfDay(open) == MarketCalendar.openMinute)
    }
}

@Suite struct TimeZoneDatabaseTests {
    @Test func newYorkComesFromTheDatabaseNeverAFixedOffset() throws {
        let zone = try MarketCalendar.exchangeTimeZone()
        #expect(zone.identifier == "America/New_York")
        #expect(MarketCalendar().timeZone == zone)
        // Daylight saving is what a fixed -05:00 would lose: July is -04:00.
        let july = try #require(ISO8601DateFormatter().date(from: "2026-07-01T16:00:00Z"))
        #expect(MarketCalendar().timeZone.secondsFromGMT(for: july) == -4 * 3600)
        try MarketCalendar.checkTimeZoneDatabase()
    }

    @Test func aMissingDatabaseIsAnErrorThatSaysWhatToInstall() {
        do {
            _ = try MarketCalendar.exchangeTimeZone(lookup: { _ in nil })
            Issue.record("a zone without a database")
        } catch {
            #expect(error.identifier == "America/New_York")
            #expect(error.description.contains("tzdata"))
        }
    }
}
