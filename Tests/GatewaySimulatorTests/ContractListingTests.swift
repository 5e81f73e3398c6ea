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

/// Quotes of BAG (combo) contracts.
@Suite(.serialized) struct ComboQuoteTests {
    @Test func aCreditSpreadIsQuotedFromItsLegs() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                let market = SimulatedMarket(
                    seed: 1, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)
                func put(_ k: Double) -> Int {
                    market.optionConId(OptionContract(symbol: "SPY", expiry: day("20260417"), strike: k, right: .put))
                        ?? 0
                }
                var combo = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
                combo.comboLegs = [
                    TWSComboLeg(conId: put(590), ratio: 1, action: "SELL"),
                    TWSComboLeg(conId: put(585), ratio: 1, action: "BUY"),
                ]
                try await client.send(
                    .reqMktData(TWSReqMktData(reqId: 9, contract: combo, snapshot: true)),
                    .reqMktData(TWSReqMktData(reqId: 10, contract: option(590, "P"), snapshot: true)),
                    .reqMktData(TWSReqMktData(reqId: 11, contract: option(585, "P"), snapshot: true)))
                let got = await client.wait { m in
                    [9, 10, 11].allSatisfy { id in m.contains(.tickSnapshotEnd(.init(reqId: id))) }
                }
                func price(_ reqId: Int, _ type: Int) -> Double? {
                    got.compactMap {
                        if case .tickPrice(let t) = $0, t.reqId == reqId, t.tickType == type { return t.price }
                        return nil
                    }.first
                }
                let bid = try #require(price(9, 1)), ask = try #require(price(9, 2))
                let shortBid = try #require(price(10, 1)), shortAsk = try #require(price(10, 2))
                let longBid = try #require(price(11, 1)), longAsk = try #require(price(11, 2))
                #expect(abs(bid - (longBid - shortAsk)) < 0.006 && abs(ask - (longAsk - shortBid)) < 0.006)
                #expect(bid < ask && ask < 0)  // a credit
                #expect(!got.contains { if case .tickOptionComputation(let c) = $0 { c.reqId == 9 } else { false } })
                #expect(errors(got, reqId: 9).isEmpty)
            }
        }
    }
}

@Suite struct TradingHoursTests {
    @Test func datedSessionsWithClosedDaysAndEarlyCloses() {
        let calendar = MarketCalendar()
        let hours = SimulatorContracts.sessionHours(from: SimulatorHarness.wednesdayMorning, calendar: calendar)
        #expect(
            hours
                == "20260304:0930-20260304:1600;20260305:0930-20260305:1600;20260306:0930-20260306:1600;"
                + "20260307:CLOSED;20260308:CLOSED;20260309:0930-20260309:1600;20260310:0930-20260310:1600")
        // The day after Thanksgiving 2026 closes at 13:00; Thanksgiving is closed.
        let thanksgiving = calendar.date(day("20261126"), minute: 600)
        let around = SimulatorContracts.sessionHours(from: thanksgiving, calendar: calendar)
        #expect(around.hasPrefix("20261126:CLOSED;20261127:0930-20261127:1300;"))
    }
}

/// The generic tick lists beyond 100/101/104/106.
@Suite(.serialized) struct GenericTickTests {
    @Test func theUnderlyingsListsAreAnswered() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    .reqMktData(
                        TWSReqMktData(
                            reqId: 5, contract: spy, genericTickList: "165,221,233,236,258,293,294,295,318,411,456",
                            snapshot: false)),
                    .reqMktData(
                        TWSReqMktData(reqId: 6, contract: option(600, "C"), genericTickList: "221,233", snapshot: false)
                    ))
                let got = await client.wait { m in
                    m.contains { if case .tickString(let s) = $0 { s.reqId == 5 && s.tickType == 59 } else { false } }
                        && m.contains { if case .tickString(let s) = $0 { s.reqId == 6 } else { false } }
                }
                var types: [Int: Set<Int>] = [:]
                for message in got {
                    switch message {
                    case .tickPrice(let t): types[t.reqId, default: []].insert(t.tickType)
                    case .tickSize(let t): types[t.reqId, default: []].insert(t.tickType)
                    case .tickGeneric(let t): types[t.reqId, default: []].insert(t.tickType)
                    case .tickString(let t): types[t.reqId, default: []].insert(t.tickType)
                    default: break
                    }
                }
                #expect(
                    Set([15, 16, 17, 18, 19, 20, 21, 37, 46, 48, 54, 55, 56, 57, 58, 59, 89]).isSubset(
                        of: types[5] ?? []))
                #expect(Set([37, 48]).isSubset(of: types[6] ?? []))
                #expect(errors(got, reqId: 5).isEmpty && errors(got, reqId: 6).isEmpty)
                let dividends = got.compactMap {
                    if case .tickString(let s) = $0, s.tickType == 59 { return s.value } else { return nil }
                }
                #expect(dividends.first?.split(separator: ",").count == 4)
                let low52 = got.compactMap {
                    if case .tickPrice(let t) = $0, t.tickType == 19 { return t.price } else { return nil }
                }
                let high52 = got.compactMap {
                    if case .tickPrice(let t) = $0, t.tickType == 20 { return t.price } else { return nil }
                }
                #expect((low52.first ?? 0) < (high52.first ?? 0))
            }
        }
    }
}
