import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// What-if orders: a margin and commission preview, nothing placed.
@Suite struct WhatIfTests {
    let open = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 3, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    func conId(_ strike: Double, _ right: OptionRight) -> Int {
        market.optionConId(OptionContract(symbol: "SPY", expiry: day("20260417"), strike: strike, right: right))
            ?? 0
    }

    func combo(_ legs: [(Double, OptionRight, String)]) -> TWSContract {
        var c = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        c.comboLegs = legs.map { TWSComboLeg(conId: conId($0.0, $0.1), ratio: 1, action: $0.2) }
        return c
    }

    func order(_ quantity: Int64, whatIf: Bool = true, action: String = "BUY") -> TWSOrder {
        var o = TWSOrder()
        o.action = action
        o.totalQuantity = TWSDecimal(mantissa: quantity)
        o.orderType = "MKT"
        o.whatIf = whatIf
        return o
    }

    func preview(_ events: [SimAccountEvent]) throws -> TWSOpenOrder {
        #expect(events.count == 1)
        guard case .openOrder(let o) = try #require(events.first) else {
            Issue.record("expected one openOrder, got \(events)")
            throw CancellationError()
        }
        return o
    }

    @Test func aPutCreditSpreadPreviewsItsWidthAndPlacesNothing() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let spread = combo([(590, .put, "SELL"), (585, .put, "BUY")])
        let o = try preview(account.whatIf(orderId: 7, clientId: 1, contract: spread, order: order(2), at: open))
        #expect(o.order.whatIf && o.orderId == 7)
        #expect(o.orderState.initMarginBefore == "0.00")
        #expect(o.orderState.initMarginChange == "1000.00")
        #expect(o.orderState.maintMarginAfter == "1000.00")
        #expect(o.orderState.commissionAndFees == 2.6)
        #expect(o.orderState.commissionAndFeesCurrency == "USD")
        #expect(Double(o.orderState.equityWithLoanChange).map { $0 > 0 } == true)  // the credit, less commission
        #expect(
            account.openOrders(clientId: nil).isEmpty && account.executions().isEmpty && account.positions().isEmpty)
        #expect(account.acceptedOrders().isEmpty)
        #expect(account.accountValues(at: open).first { $0.tag == "TotalCashValue" }?.value == "100000.00")
    }

    @Test func anIronCondorIsChargedItsWiderSide() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let condor = combo([(590, .put, "SELL"), (585, .put, "BUY"), (615, .call, "SELL"), (625, .call, "BUY")])
        let o = try preview(account.whatIf(orderId: 1, clientId: 1, contract: condor, order: order(1), at: open))
        #expect(o.orderState.initMarginChange == "1000.00")
        #expect(o.orderState.commissionAndFees == 2.6)
    }

    @Test func closingAHeldSpreadReleasesItsMargin() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let spread = combo([(590, .put, "SELL"), (585, .put, "BUY")])
        _ = account.place(orderId: 1, clientId: 1, contract: spread, order: order(1, whatIf: false), at: open)
        let o = try preview(
            account.whatIf(orderId: 2, clientId: 1, contract: spread, order: order(1, action: "SELL"), at: open))
        #expect(o.orderState.initMarginBefore == "500.00")
        #expect(o.orderState.initMarginChange == "-500.00")
        #expect(o.orderState.initMarginAfter == "0.00")
        #expect(account.positions().count == 2)
    }

    @Test func aPreviewOfSomethingUnknownIsRejected() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        var bad = order(1)
        bad.orderType = "STP"
        let events = account.whatIf(
            orderId: 3, clientId: 1, contract: combo([(590, .put, "SELL")]), order: bad, at: open)
        #expect(events.contains { if case .error(3, 201, _) = $0 { true } else { false } })
    }

    @Test func ibkrProCommissions() {
        let stock = TWSContract(symbol: "SPY", secType: "STK")
        let call = TWSContract(symbol: "SPY", secType: "OPT")
        #expect(PaperAccount.commission(legs: [(stock, 100)], prices: [600]) == 1)  // $0.50, order minimum $1
        #expect(PaperAccount.commission(legs: [(stock, 1000)], prices: [600]) == 5)
        #expect(PaperAccount.commission(legs: [(stock, 1000)], prices: [0.2]) == 2)  // at most 1 % of the value
        #expect(PaperAccount.commission(legs: [(call, 1)]) == 1)
        #expect(PaperAccount.commission(legs: [(call, 3), (call, 3)]) == 3.9)
    }
}

/// What-if over the wire, at the versions ib_async (178) and ibapi (200) negotiate.
@Suite(.serialized) struct WhatIfWireTests {
    @Test(arguments: [178, 200])
    func oneOpenOrderWithNumericMarginsAndNoStatus(version: Int) async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port, maxVersion: version) { client in
                var place = TWSPlaceOrder()
                place.orderId = 41
                place.contract = option(590, "P")
                place.order.action = "SELL"
                place.order.totalQuantity = TWSDecimal(mantissa: 1)
                place.order.orderType = "MKT"
                place.order.whatIf = true
                try await client.send(.placeOrder(place), .reqCurrentTime)
                let got = await client.wait { $0.contains { if case .currentTime = $0 { true } else { false } } }
                let opens = got.compactMap { if case .openOrder(let o) = $0 { return o } else { return nil } }
                #expect(opens.count == 1)
                let state = try #require(opens.first?.orderState)
                for text in [
                    state.initMarginBefore, state.initMarginChange, state.maintMarginAfter,
                    state.equityWithLoanAfter,
                ] {
                    #expect(Double(text) != nil, "\(text)")
                }
                #expect(Double(state.initMarginChange).map { $0 > 5000 } == true)  // a naked put
                #expect(!got.contains { if case .orderStatus = $0 { true } else { false } })
                #expect(sim.acceptedOrders.isEmpty)
            }
        }
    }
}
