import OptionsModel
import Testing

@testable import MarketData

@Suite struct IVRankTests {
    @Test func rankOverAWindow() {
        let history = (0..<60).map { 0.10 + Double($0) * 0.001 }  // 0.10 ... 0.159
        #expect(abs(MarketAnalytics.ivRank(current: 0.1295, history: history) - 50) < 1e-9)
        #expect(MarketAnalytics.ivRank(current: 0.10, history: history) == 0)
        #expect(MarketAnalytics.ivRank(current: 0.159, history: history) == 100)
    }

    @Test func fewerThanThirtyDaysIsFifty() {
        let history = (0..<29).map { 0.1 + Double($0) * 0.01 }
        #expect(MarketAnalytics.ivRank(current: 0.3, history: history) == 50)
        #expect(MarketAnalytics.ivRank(current: 0.3, history: history + [0.2]) != 50)
    }

    @Test func flatHistoryIsFifty() {
        #expect(MarketAnalytics.ivRank(current: 0.2, history: Array(repeating: 0.2, count: 60)) == 50)
    }

    @Test func outsideTheRangeIsClamped() {
        let history = (0..<40).map { 0.15 + Double($0 % 5) * 0.01 }
        #expect(MarketAnalytics.ivRank(current: 0.50, history: history) == 100)
        #expect(MarketAnalytics.ivRank(current: 0.01, history: history) == 0)
    }
}

@Suite struct TrendTests {
    @Test func risingSeriesIsAnUptrend() {
        let closes = (0..<60).map { 100 + Double($0) }
        #expect(MarketAnalytics.trend(closes: closes) == .uptrend)
    }

    @Test func fallingSeriesIsADowntrend() {
        let closes = (0..<60).map { 200 - Double($0) }
        #expect(MarketAnalytics.trend(closes: closes) == .downtrend)
    }

    @Test func priceBetweenAveragesIsNeutral() {
        // Rising for 50 days then a sharp drop: price < SMA20 but SMA20 > SMA50.
        let closes = (0..<50).map { 100 + Double($0) } + [120, 110, 100]
        #expect(MarketAnalytics.trend(closes: closes) == .neutral)
    }

    @Test func tooFewClosesIsNeutral() {
        #expect(MarketAnalytics.trend(closes: (0..<49).map { Double($0) }) == .neutral)
    }

    @Test func movingAverage() {
        #expect(MarketAnalytics.sma([1, 2, 3, 4], period: 2) == 3.5)
        #expect(MarketAnalytics.sma([1], period: 2) == nil)
    }
}

@Suite struct ATMIVTests {
    func quote(_ expiry: String, _ strike: Double, _ right: OptionRight, iv: Double?) -> OptionQuote {
        OptionQuote(
            contract: OptionContract(symbol: "SPY", expiry: Expiry(expiry)!, strike: strike, right: right),
            quote: Quote(bid: 1, ask: 1.1), greeks: Greeks(impliedVolatility: iv, delta: 0.5), underlyingPrice: 601,
            source: .simulator)
    }

    @Test func interpolatesBetweenStrikes() throws {
        let chain = [
            quote("20260320", 600, .call, iv: 0.20), quote("20260320", 600, .put, iv: 0.22),
            quote("20260320", 605, .call, iv: 0.18), quote("20260320", 605, .put, iv: 0.20),
        ]
        // Strike 600 averages 0.21, 605 averages 0.19; spot 601 is 20% of the way.
        let iv = try #require(MarketAnalytics.atmIV(of: chain, underlying: 601))
        #expect(abs(iv - 0.206) < 1e-12)
    }

    @Test func ignoresMissingIVs() throws {
        let chain = [
            quote("20260320", 595, .call, iv: 0.20), quote("20260320", 600, .call, iv: nil),
            quote("20260320", 605, .call, iv: 0.18),
        ]
        // 600 has no IV: spot 601 interpolates between 595 and 605.
        let iv = try #require(MarketAnalytics.atmIV(of: chain, underlying: 601))
        #expect(abs(iv - (0.20 * 0.4 + 0.18 * 0.6)) < 1e-12)
        #expect(MarketAnalytics.atmIV(of: [quote("20260320", 600, .call, iv: nil)], underlying: 601) == nil)
    }

    @Test func needsAStrikeOnEachSideOfSpot() {
        // IVs only below spot (a held put far out of the money, a chain cut off by its range) are not
        // at the money.
        let onlyBelow = [quote("20260320", 560, .put, iv: 0.24), quote("20260320", 565, .put, iv: 0.23)]
        #expect(MarketAnalytics.atmIV(of: onlyBelow, underlying: 601) == nil)
    }

    @Test func thirtyDayInterpolationInVariance() throws {
        let today = try #require(Expiry("20260220"))
        // 20 days at 20% and 40 days at 30%: 30 days sits between in total variance.
        let chain = [quote("20260312", 600, .call, iv: 0.20), quote("20260401", 600, .call, iv: 0.30)]
        let iv = try #require(MarketAnalytics.constantMaturityATMIV(chain: chain, underlying: 600, today: today))
        let expected = ((0.04 * 20 * 10 + 0.09 * 40 * 10) / 20 / 30).squareRoot()
        #expect(abs(iv - expected) < 1e-12)
        #expect(iv > 0.20 && iv < 0.30)
    }
}
