import Foundation
import Testing

@testable import OptionsModel

@Suite struct BlackScholesTests {
    // Hull, Options, Futures and Other Derivatives, example 15.6: S=42, K=40, r=10%, sigma=20%, T=0.5.
    @Test func textbookValues() {
        let call = BlackScholes.evaluate(right: .call, spot: 42, strike: 40, time: 0.5, rate: 0.10, volatility: 0.20)
        let put = BlackScholes.evaluate(right: .put, spot: 42, strike: 40, time: 0.5, rate: 0.10, volatility: 0.20)
        #expect(abs(call.price - 4.7594) < 1e-4)
        #expect(abs(put.price - 0.8086) < 1e-4)
        #expect(abs(call.delta - 0.7791) < 1e-4)
        #expect(abs(put.delta - (-0.2209)) < 1e-4)
        // Hull example 19.4 (gamma, vega, theta of a call): S=49, K=50, r=5%, sigma=20%, T=0.3846.
        let g = BlackScholes.evaluate(right: .call, spot: 49, strike: 50, time: 0.3846, rate: 0.05, volatility: 0.20)
        #expect(abs(g.delta - 0.522) < 1e-3)
        #expect(abs(g.gamma - 0.066) < 1e-3)
        #expect(abs(g.vega - 12.1) < 0.05)
        #expect(abs(g.theta - (-4.31)) < 0.01)
    }

    @Test func putCallParityWithDividends() {
        for k in stride(from: 80.0, through: 120, by: 5) {
            let c = BlackScholes.evaluate(
                right: .call, spot: 100, strike: k, time: 0.25, rate: 0.04, dividendYield: 0.013, volatility: 0.22)
            let p = BlackScholes.evaluate(
                right: .put, spot: 100, strike: k, time: 0.25, rate: 0.04, dividendYield: 0.013, volatility: 0.22)
            let parity = 100 * exp(-0.013 * 0.25) - k * exp(-0.04 * 0.25)
            #expect(abs((c.price - p.price) - parity) < 1e-10)
            #expect(abs((c.delta - p.delta) - exp(-0.013 * 0.25)) < 1e-12)
        }
    }

    @Test func impliedVolatilityRoundTrips() throws {
        for sigma in [0.08, 0.15, 0.3, 0.75, 1.5] {
            for k in [70.0, 100, 130] {
                for right in OptionRight.allCases {
                    let price = BlackScholes.evaluate(
                        right: right, spot: 100, strike: k, time: 0.2, rate: 0.04, volatility: sigma
                    ).price
                    // With (almost) no time value the price carries no information about volatility.
                    let intrinsic =
                        right == .call ? max(0, 100 - k * exp(-0.04 * 0.2)) : max(0, k * exp(-0.04 * 0.2) - 100)
                    guard price - intrinsic > 0.01 else { continue }
                    let iv = try #require(
                        BlackScholes.impliedVolatility(
                            price: price, right: right, spot: 100, strike: k, time: 0.2, rate: 0.04))
                    #expect(abs(iv - sigma) < 1e-6, "\(right) K=\(k) sigma=\(sigma)")
                }
            }
        }
    }

    @Test func noImpliedVolatilityBelowIntrinsicOrAboveTheBound() {
        #expect(
            BlackScholes.impliedVolatility(price: 5, right: .call, spot: 110, strike: 100, time: 0.5, rate: 0.05) == nil
        )
        #expect(
            BlackScholes.impliedVolatility(price: 120, right: .call, spot: 110, strike: 100, time: 0.5, rate: 0.05)
                == nil)
        #expect(
            BlackScholes.impliedVolatility(price: 1, right: .put, spot: 100, strike: 100, time: 0, rate: 0.05) == nil)
    }

    @Test func expiredOptionsAreIntrinsic() {
        let c = BlackScholes.evaluate(right: .call, spot: 105, strike: 100, time: 0, rate: 0.05, volatility: 0.2)
        #expect(c.price == 5 && c.delta == 1 && c.gamma == 0)
    }
}
