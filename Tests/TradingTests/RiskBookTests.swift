import Foundation
import OptionsModel
import SnapshotStore
import Testing

@testable import Trading

/// A stored row with hand-set greeks.
func riskRow(
    _ symbol: String, _ expiry: Expiry, _ strike: Double, _ right: OptionRight, delta: Double, gamma: Double,
    theta: Double, vega: Double, iv: Double = 0.20, mid: Double = 1, spot: Double
) -> OptionQuote {
    OptionQuote(
        contract: OptionContract(symbol: symbol, expiry: expiry, strike: strike, right: right),
        quote: Quote(bid: mid - 0.05, ask: mid + 0.05),
        greeks: Greeks(impliedVolatility: iv, delta: delta, gamma: gamma, theta: theta, vega: vega),
        underlyingPrice: spot, source: .simulator)
}

/// A held credit spread.
func heldSpread(
    id: Int64, _ symbol: String, _ expiry: Expiry, _ right: OptionRight, short: Double, long: Double, credit: Double,
    quantity: Int
) -> PositionRecord {
    PositionRecord(
        id: id, symbol: symbol, structure: right == .put ? .bullPutSpread : .bearCallSpread, status: .open,
        openedAt: now, quantity: quantity, expiry: expiry,
        legs: [
            LegRecord(
                action: .sell, contract: OptionContract(symbol: symbol, expiry: expiry, strike: short, right: right)),
            LegRecord(
                action: .buy, contract: OptionContract(symbol: symbol, expiry: expiry, strike: long, right: right)),
        ], entryCredit: credit, maxLoss: (abs(short - long) - credit) * 100 * Double(quantity))
}

/// The risk book's numbers against hand calculations.
@Suite struct RiskBookTests {
    let april = Expiry(year: 2026, month: 4, day: 17)!
    let may = Expiry(year: 2026, month: 5, day: 15)!

    var chains: [String: ChainSnapshot] {
        let spy = [
            riskRow("SPY", april, 500, .put, delta: -0.30, gamma: 0.02, theta: -0.15, vega: 0.50, iv: 0.20, spot: 500),
            riskRow("SPY", april, 495, .put, delta: -0.20, gamma: 0.015, theta: -0.12, vega: 0.40, iv: 0.22, spot: 500),
        ]
        let qqq = [
            riskRow("QQQ", may, 430, .call, delta: 0.25, gamma: 0.03, theta: -0.20, vega: 0.45, spot: 420),
            riskRow("QQQ", may, 435, .call, delta: 0.15, gamma: 0.02, theta: -0.14, vega: 0.35, spot: 420),
        ]
        return [
            "SPY": ChainSnapshot(symbol: "SPY", timestamp: now, underlyingPrice: 500, options: spy, source: .simulator),
            "QQQ": ChainSnapshot(symbol: "QQQ", timestamp: now, underlyingPrice: 420, options: qqq, source: .simulator),
        ]
    }

    var positions: [PositionRecord] {
        [
            heldSpread(id: 1, "SPY", april, .put, short: 500, long: 495, credit: 1.50, quantity: 2),
            heldSpread(id: 2, "QQQ", may, .call, short: 430, long: 435, credit: 1.20, quantity: 1),
        ]
    }

    @Test func greeksTotalsMaxLossProfitAndBreakevens() {
        let book = RiskBook.build(positions: positions, chains: chains, betas: ["QQQ": 1.2])
        let spy = book.positions[0]
        // Short 2 x 500P at -0.30, long 2 x 495P at -0.20: -(-0.30) x 200 + (-0.20) x 200 = +20 shares.
        #expect(abs(spy.greeks.delta - 20) < 1e-9)
        #expect(abs(spy.greeks.gamma - -1) < 1e-9)  // -0.02 x 200 + 0.015 x 200
        #expect(abs(spy.greeks.theta - 6) < 1e-9)  // 0.15 x 200 - 0.12 x 200
        #expect(abs(spy.greeks.vega - -20) < 1e-9)  // -0.50 x 200 + 0.40 x 200
        #expect(abs(spy.greeks.betaWeightedDelta - 20) < 1e-9)
        #expect(abs(spy.maxLoss - 700) < 1e-9 && abs(spy.maxProfit - 300) < 1e-9)
        #expect(spy.breakevens == [498.5])
        let qqq = book.positions[1]
        #expect(abs(qqq.greeks.delta - -10) < 1e-9)  // -25 + 15
        // -10 QQQ shares x beta 1.2 x 420 / 500 = -10.08 SPY shares.
        #expect(abs(qqq.greeks.betaWeightedDelta - -10.08) < 1e-9)
        #expect(abs(qqq.breakevens[0] - 431.2) < 1e-9)
        #expect(abs(book.totals.delta - 10) < 1e-9 && abs(book.totals.gamma - -2) < 1e-9)
        #expect(abs(book.totals.theta - 12) < 1e-9 && abs(book.totals.vega - -30) < 1e-9)
        #expect(abs(book.totals.betaWeightedDelta - 9.92) < 1e-9)
        #expect(abs(book.maxLoss - 1080) < 1e-9 && abs(book.maxProfit - 420) < 1e-9)
        #expect(book.maxLossByExpiry == ["20260417": 700, "20260515": 380])
        #expect(book.maxLossByUnderlying == ["SPY": 700, "QQQ": 380])
    }

    @Test func aLegWithoutGreeksIsNamedAndCountsZero() {
        var c = chains
        c["QQQ"]?.options.removeLast()
        let book = RiskBook.build(positions: positions, chains: c, betas: [:])
        #expect(book.positions[1].unpriced.count == 1)
        #expect(abs(book.positions[1].greeks.delta - -25) < 1e-9)
    }

    @Test func betaFromDailyClosesIsTheRegressionSlope() {
        var spy: [Bar] = []
        var qqq: [Bar] = []
        var s = 500.0
        var q = 400.0
        for i in 0..<70 {
            let day = today.adding(days: i - 70)
            let r = (i % 3 == 0 ? 0.01 : -0.004) + Double(i % 5) * 0.001
            s *= 1 + r
            q *= 1 + 1.5 * r
            spy.append(Bar(day: day, open: s, high: s, low: s, close: s))
            qqq.append(Bar(day: day, open: q, high: q, low: q, close: q))
        }
        let beta = Beta.estimate(qqq, benchmark: spy, lookback: 60)
        #expect(beta.map { abs($0 - 1.5) < 1e-9 } == true)
        #expect(Beta.estimate(Array(qqq.suffix(10)), benchmark: spy, lookback: 60) == nil)
    }

    @Test func aScenarioCellIsTheBlackScholesRepricing() throws {
        let matrix = ScenarioMatrix.build(positions: [positions[0].with(quantity: 1)], chains: chains, now: now)
        let now0 = try #require(matrix.grids.first { $0.label == "now" })
        let spotZero = try #require(matrix.spotShifts.firstIndex(of: 0))
        let ivZero = try #require(matrix.ivShifts.firstIndex(of: 0))
        #expect(abs(now0.pnl[ivZero][spotZero]) < 1e-9)
        // Independent calculation (Python, Black-Scholes r = 4%, T = 44.1875 days / 365): spot 450, IV +5
        // points: -100 x P(450, 500, 25%) + 100 x P(450, 495, 27%) less the value now (-92.784).
        let down = try #require(matrix.spotShifts.firstIndex(of: -0.10))
        let ivUp = try #require(matrix.ivShifts.firstIndex(of: 5))
        #expect(abs(now0.pnl[ivUp][down] - -262.4605378783199) < 1e-6)
        let horizon = try #require(matrix.grids.first { $0.label == "horizon" })
        #expect(abs(horizon.pnl[ivZero][spotZero] - -10.722751002188488) < 1e-6)
    }

    @Test func payoffAtExpiryRunsFromMaxLossToTheCredit() throws {
        let matrix = ScenarioMatrix.build(positions: positions, chains: chains, now: now)
        let spy = try #require(matrix.payoffs.first { $0.id == 1 })
        let low = try #require(spy.points.first)  // 450: both puts deep in the money
        let high = try #require(spy.points.last)  // 550: both worthless
        #expect(abs(low.price - 450) < 1e-9 && abs(low.pnl - -700) < 1e-9)
        #expect(abs(high.price - 550) < 1e-9 && abs(high.pnl - 300) < 1e-9)
        let at497 = ScenarioMatrix.payoff(positions[0], spot: 497, shifts: [0])
        // 2 x (1.50 - (500 - 497)) x 100 = -300.
        #expect(abs(at497.points[0].pnl - -300) < 1e-9)
    }

    @Test func regTIsTheWidthPerVerticalAndTheWiderSideOfACondor() {
        func c(_ k: Double, _ r: OptionRight) -> OptionContract {
            OptionContract(symbol: "SPY", expiry: april, strike: k, right: r)
        }
        #expect(RegTRequirement.initial([(c(500, .put), -1), (c(495, .put), 1)]) == 500)
        #expect(RegTRequirement.initial([(c(500, .put), -2), (c(495, .put), 2)]) == 1000)
        let condor = [(c(500, .put), -1.0), (c(495, .put), 1.0), (c(520, .call), -1.0), (c(530, .call), 1.0)]
        #expect(RegTRequirement.initial(condor) == 1000)
        #expect(RegTRequirement.initial([(c(520, .call), -1)]) == nil)
        #expect(RegTRequirement.initial(of: positions[0]) == 1000)
    }
}

extension PositionRecord {
    func with(quantity: Int) -> PositionRecord {
        var p = self
        p.quantity = quantity
        p.maxLoss = (p.maxLoss ?? 0) / Double(self.quantity) * Double(quantity)
        return p
    }
}
