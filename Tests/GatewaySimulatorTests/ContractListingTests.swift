import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// Listed expiries and strikes, and IB's contract fields for non-options.
@Suite struct ContractListingTests {
    let start = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 1, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    @Test func spyAndQQQExpireEveryTradingDayOfTheNextFourWeeks() throws {
        let today = market.calendar.tradingDay(of: start)
        for symbol in ["SPY", "QQQ"] {
            let near = market.expiries(symbol, at: start).filter { $0.days(since: today) <= 28 }
            var tradingDays: [Expiry] = []
            var d = today
            while d.days(since: today) <= 28 {
                if market.calendar.isTradingDay(d) { tradingDays.append(d) }
                d = d.adding(days: 1)
            }
            #expect(near == tradingDays)
            #expect(near.contains(day("20260305")) && near.contains(day("20260309")))  // Thu, Mon
        }
        let iwm = market.expiries("IWM", at: start)
        #expect(!iwm.contains(day("20260305")) && iwm.contains(day("20260306")))
    }

    @Test func januaryLeapsOfTheNextTwoYears() {
        let expiries = market.expiries("SPY", at: start)
        #expect(expiries.contains(day("20270115")) && expiries.contains(day("20280121")))
        #expect(expiries == expiries.sorted() && Set(expiries).count == expiries.count)
    }

    @Test func everyListedExpiryHasStrikes() throws {
        for symbol in ["SPY", "QQQ", "IWM"] {
            for expiry in market.expiries(symbol, at: start) {
                let strikes = market.strikes(symbol, expiry: expiry, at: start)
                #expect(strikes.count > 40, "\(symbol) \(expiry.yyyymmdd)")
            }
        }
        // A far-dated option resolves (no error 200).
        let port = MarketPort(market: market)
        let leap = TWSContract(
            symbol: "SPY", secType: "OPT", lastTradeDateOrContractMonth: "20270115", strike: 600, right: "P",
            multiplier: "100")
        #expect(port.contractDetails(matching: leap, at: start).count == 1)
    }

    @Test func nonOptionsCarryStrikeZero() throws {
        let port = MarketPort(market: market)
        #expect(port.contract(conId: 756_733)?.strike == 0)
        #expect(port.contract(conId: SimulatedMarket.vixConId)?.strike == 0)
    }
}

@Suite(.serialized) struct StockStrikeWireTests {
    @Test func stockPositionsAndExecutionsSayStrikeZero() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var place = TWSPlaceOrder()
                place.orderId = 1
                place.contract = spy
                place.order.action = "BUY"
                place.order.totalQuantity = TWSDecimal(mantissa: 10)
                place.order.orderType = "MKT"
                try await client.send(.placeOrder(place), .reqPositions)
                let got = await client.wait {
                    $0.contains(.positionEnd) && $0.contains { if case .execDetails = $0 { true } else { false } }
                }
                let executions = got.compactMap { if case .execDetails(let e) = $0 { return e } else { return nil } }
                #expect(executions.map(\.contract.strike) == [0])
                let positions = got.compactMap { if case .position(let p) = $0 { return p } else { return nil } }
                #expect(positions.map(\.contract.strike) == [0])
                let opens = got.compactMap { if case .openOrder(let o) = $0 { return o } else { return nil } }
                #expect(!opens.isEmpty && opens.allSatisfy { $0.contract.strike == 0 })
                // IBKR Pro: 10 shares cost the $1 order minimum.
                let commissions = got.compactMap {
                    if case .commissionAndFeesReport(let c) = $0 {
                        return c.report.commissionAndFees
                    } else {
                        return nil
                    }
                }
                #expect(commissions == [1])
            }
        }
    }
}
