import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// Fills between mid and natural by spread width, size and time resting.
@Suite struct FillModelTests {
    let open = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 3, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    @Test func concessionGrowsWithWidthAndSizeAndShrinksWithTime() {
        let narrow = FillModel.concession(halfSpread: 0.05, quantity: 1, resting: 0)
        let wide = FillModel.concession(halfSpread: 0.40, quantity: 1, resting: 0)
        let large = FillModel.concession(halfSpread: 0.05, quantity: 50, resting: 0)
        let patient = FillModel.concession(halfSpread: 0.05, quantity: 1, resting: 300)
        let longer = FillModel.concession(halfSpread: 0.05, quantity: 1, resting: 3_600)
        #expect(narrow > 0.3 && narrow < 0.4)
        #expect(wide > narrow && large > narrow)
        #expect(patient < narrow && longer < patient && abs(longer - narrow * 0.4) < 1e-12)
        #expect(FillModel.concession(halfSpread: 2, quantity: 1_000, resting: 0) == 1)
    }

    @Test func legPricesAddUpToTheComboPrice() {
        // Sell 590 put (bid 3.10 / ask 3.20), buy 585 put (2.40 / 2.50): natural -0.60, mid -0.70.
        let legs: [(ratio: Double, natural: Double, mid: Double)] = [(-1, 3.10, 3.15), (1, 2.50, 2.45)]
        let prices = FillModel.legPrices(legs, natural: -0.60, mid: -0.70, price: -0.67)
        #expect(abs(-prices[0] + prices[1] - -0.67) < 1e-9)
        #expect(prices[0] > 3.10 && prices[0] <= 3.15 && prices[1] < 2.50 && prices[1] >= 2.45)
    }

    func creditSpread() -> TWSContract {
        func put(_ k: Double) -> Int {
            market.optionConId(OptionContract(symbol: "SPY", expiry: day("20260417"), strike: k, right: .put)) ?? 0
        }
        var c = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        c.comboLegs = [
            TWSComboLeg(conId: put(590), ratio: 1, action: "SELL"),
            TWSComboLeg(conId: put(585), ratio: 1, action: "BUY"),
        ]
        return c
    }

    /// (natural, mid) of buying the credit spread now.
    func prices(at date: Date) throws -> (natural: Double, mid: Double) {
        let short = try #require(market.option(conId: creditSpread().comboLegs[0].conId))
        let long = try #require(market.option(conId: creditSpread().comboLegs[1].conId))
        let a = try #require(market.optionQuote(short, at: date))
        let b = try #require(market.optionQuote(long, at: date))
        return (-a.bid + b.ask, -(a.bid + a.ask) / 2 + (b.bid + b.ask) / 2)
    }

    func limitOrder(_ quantity: Int64, _ limit: Double) -> TWSOrder {
        var o = TWSOrder()
        o.action = "BUY"
        o.totalQuantity = TWSDecimal(mantissa: quantity)
        o.orderType = "LMT"
        o.lmtPrice = limit
        return o
    }

    @Test func aLimitPastTheAcceptablePriceFillsAtTheLimitNotTheNatural() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let (natural, mid) = try prices(at: open)
        let needed = FillModel.concession(halfSpread: natural - mid, quantity: 1, resting: 0)
        let limit = ((mid + min(1, needed + 0.1) * (natural - mid)) * 100).rounded(.up) / 100
        let events = account.place(
            orderId: 1, clientId: 1, contract: creditSpread(), order: limitOrder(1, limit), at: open)
        let fills = events.compactMap { if case .execution(let d, _) = $0 { return d.execution } else { return nil } }
        #expect(fills.count == 2)
        // Sold the 590 put, bought the 585: paid (ask side) - received.
        let paid = fills[1].price - fills[0].price
        #expect(abs(paid - limit) < 1e-9)
        #expect(limit < natural - 1e-9)  // better than the natural price
        let status = events.compactMap { if case .orderStatus(let s) = $0 { return s } else { return nil } }.last
        #expect(status?.status == "Filled" && abs((status?.avgFillPrice ?? 0) - limit) < 1e-9)
    }

    @Test func aLimitAtMidDoesNotFillAtOnceAndALargeOrderNeedsMore() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let (natural, mid) = try prices(at: open)
        let nearMid = ((mid + 0.1 * (natural - mid)) * 100).rounded(.down) / 100
        let events = account.place(
            orderId: 1, clientId: 1, contract: creditSpread(), order: limitOrder(1, nearMid), at: open)
        #expect(!events.contains { if case .execution = $0 { true } else { false } })
        // The one-lot's price does not fill a hundred lots.
        let one = FillModel.concession(halfSpread: natural - mid, quantity: 1, resting: 0)
        let limit = ((mid + (one + 0.02) * (natural - mid)) * 100).rounded(.up) / 100
        let hundred = account.place(
            orderId: 2, clientId: 1, contract: creditSpread(), order: limitOrder(100, limit), at: open)
        let needed = FillModel.concession(halfSpread: natural - mid, quantity: 100, resting: 0)
        #expect(needed > one + 0.1)
        #expect(!hundred.contains { if case .execution = $0 { true } else { false } })
    }
}
