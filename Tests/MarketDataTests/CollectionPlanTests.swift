import Foundation
import OptionsModel
import Testing

@testable import MarketData

/// The collector collects what the strategy needs, and the picture is computed from the planned chain.
@Suite struct CollectionPlanTests {
    let today = MarketCalendar().tradingDay(of: now)
    let strategy = StrategyNeeds(
        dteWindow: 30...60, targetDTE: 45, shortDelta: 0.20...0.30, spreadWidth: 5, longDelta: 0.10)

    /// Daily expiries for 90 days, as SPY and QQQ list them.
    var daily: [Expiry] { (1...90).map { today.adding(days: $0) }.filter { $0.isoWeekday <= 5 } }

    @Test func theStrategysExpiryIsAlwaysCollected() {
        // The collection's own window alone (7-60 DTE, four expiries) keeps 7-10 DTE on daily expiries.
        let collectionOnly = ChainRequest(symbol: "SPY", dteMin: 7, dteMax: 60, maxExpiries: 4)
        #expect(collectionOnly.selectExpiries(daily, today: today).allSatisfy { $0.days(since: today) <= 12 })
        let request = ChainRequest(symbol: "SPY", dteMin: 7, dteMax: 60, maxExpiries: 4, strategy: strategy)
        let chosen = request.selectExpiries(daily, today: today)
        let target = StrategyNeeds.nearestExpiry(daily, window: 30...60, target: 45, today: today)
        #expect(chosen.count == 5 && target.map(chosen.contains) == true)
        #expect(abs((target?.days(since: today) ?? 0) - 45) <= 2)
        // max_expiries 0: only the strategy's.
        var only = request
        only.maxExpiries = 0
        #expect(only.selectExpiries(daily, today: today) == [target].compactMap { $0 })
    }

    @Test func strikesReachTheShortDeltaBandAndTheLongStrike() throws {
        var request = ChainRequest(symbol: "SPY", strikeRangePct: 0.03, strategy: strategy)
        request.ivEstimate = 0.20
        let expiry = today.adding(days: 45)
        let range = request.effectiveStrikeRange(spot: 600, expiries: [expiry], today: today)
        // Independent check: Black-Scholes puts at the band's low end (0.20) on the skewed put IV,
        // then $5 further out, must lie inside the range; likewise the 0.20-delta call and $5 above.
        let t = 45.0 / 365
        func strike(delta: Double, right: OptionRight, vol: Double) -> Double {
            var lo = 300.0, hi = 900.0
            for _ in 0..<100 {
                let k = (lo + hi) / 2
                let d = abs(
                    BlackScholes.evaluate(right: right, spot: 600, strike: k, time: t, rate: 0, volatility: vol).delta)
                if (right == .put) == (d > delta) { hi = k } else { lo = k }
            }
            return (lo + hi) / 2
        }
        let putLong = strike(delta: 0.20, right: .put, vol: 0.20 * 1.3) - 5
        let callLong = strike(delta: 0.20, right: .call, vol: 0.20) + 5
        #expect(600 * (1 - range) <= putLong && 600 * (1 + range) >= callLong)
        #expect(range > 0.03 && range < 0.15)
        // A wider collection range is kept as it is.
        request.strikeRangePct = 0.20
        #expect(request.effectiveStrikeRange(spot: 600, expiries: [expiry], today: today) == 0.20)
    }

    @Test func inverseNormalIsTheInverse() {
        for p in [0.001, 0.02, 0.1, 0.25, 0.5, 0.8, 0.99, 0.9999] {
            #expect(abs(BlackScholes.normalCDF(BlackScholes.inverseNormalCDF(p)) - p) < 1e-9)
        }
    }
}
