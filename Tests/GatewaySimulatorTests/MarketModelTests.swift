import Foundation
import OptionsModel
import TestSupport
import Testing

@testable import GatewaySimulator

@Suite struct MarketModelTests {
    let start = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 7, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    @Test func sameSeedSameMarketWhateverTheQueryOrder() {
        let a = SimulatedMarket(seed: 7, symbols: ["SPY", "QQQ", "IWM"], reference: start)
        let b = SimulatedMarket(seed: 7, symbols: ["SPY", "QQQ", "IWM"], reference: start)
        let times = (0..<50).map { start.addingTimeInterval(Double($0) * 457) }
        // b is asked in reverse order, with unrelated queries in between.
        let reversed = times.reversed().map { t -> Double? in
            _ = b.vix(at: t.addingTimeInterval(-86_400 * 30))
            return b.price("SPY", at: t)
        }
        #expect(times.map { a.price("SPY", at: $0) } == Array(reversed.reversed()))
        let option = OptionContract(symbol: "SPY", expiry: Expiry("20260417")!, strike: 590, right: .put)
        #expect(a.optionQuote(option, at: start) == b.optionQuote(option, at: start))
        #expect(a.dailyBars("QQQ", endingAt: start, count: 300) == b.dailyBars("QQQ", endingAt: start, count: 300))
    }

    @Test func differentSeedsDiffer() {
        let other = SimulatedMarket(seed: 8, symbols: ["SPY"], reference: start)
        #expect(other.price("SPY", at: start) != market.price("SPY", at: start))
    }

    @Test func realisticLevels() throws {
        let spy = try #require(market.price("SPY", at: start))
        let iwm = try #require(market.price("IWM", at: start))
        #expect(spy > 540 && spy < 660)
        #expect(iwm > 190 && iwm < 250)
        #expect(market.vix(at: start) > 9 && market.vix(at: start) < 40)
    }

    @Test func barsCoverAYearAndMatchTheWalk() throws {
        let afterClose = start.addingTimeInterval(6 * 3600)  // 16:30 New York
        let bars = market.dailyBars("SPY", endingAt: afterClose, count: 260)
        #expect(bars.count == 260)
        let first = try #require(bars.first), last = try #require(bars.last)
        #expect(last.day.days(since: first.day) >= 365)
        #expect(last.close == market.price("SPY", at: afterClose))
        #expect(bars.allSatisfy { $0.high >= max($0.open, $0.close) - 1e-9 && $0.low <= min($0.open, $0.close) + 1e-9 })
        #expect(zip(bars, bars.dropFirst()).allSatisfy { market.calendar.isTradingDay($1.day) && $0.day < $1.day })
    }

    @Test func vixMovesAgainstTheMarket() {
        let spy = market.dailyBars("SPY", endingAt: start, count: 250).map(\.close)
        let vix = market.dailyBars("VIX", endingAt: start, count: 250).map(\.close)
        func returns(_ x: [Double]) -> [Double] { zip(x.dropFirst(), x).map { log($0 / $1) } }
        let a = returns(spy), b = returns(vix)
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
        let sa = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }.squareRoot(),
            sb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }.squareRoot()
        #expect(cov / (sa * sb) < -0.4)
    }

    @Test func weekendsHoldTheFridayClose() {
        let saturday = start.addingTimeInterval(3 * 86_400)
        let friday = market.calendar.date(Expiry("20260306")!, minute: 16 * 60)
        #expect(market.price("SPY", at: saturday) == market.price("SPY", at: friday))
    }

    @Test func chainShape() throws {
        let expiries = market.expiries("SPY", at: start)
        let today = market.calendar.tradingDay(of: start)
        #expect(try #require(expiries.last).days(since: today) >= 300)
        let weeklies = expiries.filter { $0.days(since: today) <= 120 }
        #expect(weeklies.count >= 16)
        // Good Friday 2026-04-03 is an exchange holiday: that week's options expire on Thursday.
        #expect(expiries.contains(Expiry("20260402")!))
        #expect(!expiries.contains(Expiry("20260403")!))
        let strikes = market.strikes("SPY", expiry: expiries[4], at: start)
        let spot = try #require(market.price("SPY", at: start))
        let inner = strikes.filter { abs($0 - spot) < spot * 0.09 }
        #expect(zip(inner, inner.dropFirst()).allSatisfy { $1 - $0 == 1 })
        // Listed strikes stay listed, so the $1 band covers recent closes too; far out it is $5.
        let outer = strikes.filter { abs($0 - spot) > spot * 0.2 }
        #expect(outer.allSatisfy { $0.truncatingRemainder(dividingBy: 5) == 0 })
        #expect(try #require(strikes.first) < spot * 0.75 && strikes.last! > spot * 1.25)
    }

    @Test func conIdsAreReversible() throws {
        for expiry in market.expiries("IWM", at: start).prefix(5) {
            for strike in market.strikes("IWM", expiry: expiry, at: start).prefix(20) {
                for right in OptionRight.allCases {
                    let c = OptionContract(symbol: "IWM", expiry: expiry, strike: strike, right: right)
                    let id = try #require(market.optionConId(c))
                    let back = try #require(market.option(conId: id))
                    #expect(back.key == c.key)
                }
            }
        }
    }

    @Test func quotesAreSaneAcrossAChain() throws {
        let expiry = try #require(
            market.expiries("SPY", at: start).first { $0.days(since: market.calendar.tradingDay(of: start)) > 40 })
        let spot = try #require(market.price("SPY", at: start))
        var atmIV = 0.0, otmPutIV = 0.0
        for strike in market.strikes("SPY", expiry: expiry, at: start) {
            for right in OptionRight.allCases {
                let q = try #require(
                    market.optionQuote(
                        OptionContract(symbol: "SPY", expiry: expiry, strike: strike, right: right), at: start))
                #expect(q.bid >= 0 && q.bid < q.ask)
                #expect(
                    abs(q.bid * 100 - (q.bid * 100).rounded()) < 1e-6
                        && abs(q.ask * 100 - (q.ask * 100).rounded()) < 1e-6)
                #expect(q.bid <= q.modelPrice + 1e-9 && q.modelPrice <= q.ask + 1e-9)
                if let delta = q.delta {
                    #expect(right == .call ? (delta > 0 && delta < 1) : (delta < 0 && delta > -1))
                    #expect(try #require(q.gamma) > 0)
                } else {
                    // Only deep in-the-money options go uncomputed.
                    #expect(right == .call ? strike < spot * 0.95 : strike > spot * 1.05)
                }
                if right == .put && abs(strike - spot) < 1 { atmIV = q.impliedVol ?? 0 }
                if right == .put && abs(strike - spot * 0.9) < 1 { otmPutIV = q.impliedVol ?? 0 }
            }
        }
        #expect(otmPutIV > atmIV && atmIV > 0)
    }

    @Test func pricingMatchesBlackScholes() throws {
        let option = OptionContract(symbol: "SPY", expiry: Expiry("20260417")!, strike: 600, right: .call)
        let q = try #require(market.optionQuote(option, at: start))
        let t = market.calendar.date(option.expiry, minute: 16 * 60).timeIntervalSince(start) / (365 * 86_400)
        let sigma = try #require(q.impliedVol)
        let bs = BlackScholes.evaluate(
            right: .call, spot: q.underlying, strike: 600, time: t, rate: 0.04, dividendYield: 0.013, volatility: sigma)
        #expect(abs(bs.price - q.modelPrice) < 1e-9)
        #expect(abs(try #require(q.delta) - bs.delta) < 1e-12)
        #expect(abs(try #require(q.vega) - bs.vega / 100) < 1e-12)
        #expect(abs(try #require(q.theta) - bs.theta / 365) < 1e-12)
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = SimulationClock.manual(at: start)
        #expect(clock.now() == start)
        clock.advance(by: 90)
        #expect(clock.now() == start.addingTimeInterval(90))
    }
}
