import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

@Suite struct PaperAccountTests {
    let open = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 3, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    func put(_ strike: Double) -> (TWSContract, Int) {
        let option = OptionContract(symbol: "SPY", expiry: Expiry("20260417")!, strike: strike, right: .put)
        let contract = SimulatorContracts.contract(for: option, market: market)
        return (contract, contract.conId)
    }

    func order(_ action: String, _ quantity: Int64, limit: Double?, ref: String = "t") -> TWSOrder {
        var o = TWSOrder()
        o.action = action
        o.totalQuantity = TWSDecimal(mantissa: quantity)
        o.orderType = limit == nil ? "MKT" : "LMT"
        o.lmtPrice = limit
        o.orderRef = ref
        return o
    }

    func statuses(_ events: [SimAccountEvent]) -> [String] {
        events.compactMap { if case .orderStatus(let s) = $0 { return s.status } else { return nil } }
    }

    func creditSpread(short: Double = 590, long: Double = 585) -> TWSContract {
        var combo = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        combo.comboLegs = [
            TWSComboLeg(conId: put(short).1, ratio: 1, action: "SELL"),
            TWSComboLeg(conId: put(long).1, ratio: 1, action: "BUY"),
        ]
        return combo
    }

    func naturalCredit(at date: Date) throws -> Double {
        let shortLeg = try #require(market.option(conId: put(590).1))
        let longLeg = try #require(market.option(conId: put(585).1))
        let s = try #require(market.optionQuote(shortLeg, at: date))
        let l = try #require(market.optionQuote(longLeg, at: date))
        return s.bid - l.ask
    }

    @Test func limitThatCrossesFillsAtTheNaturalPrice() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let credit = try naturalCredit(at: open)
        let events = account.place(
            orderId: 1, clientId: 1, contract: creditSpread(), order: order("BUY", 2, limit: -(credit - 0.05)), at: open
        )
        #expect(statuses(events) == ["PreSubmitted", "Submitted", "Filled"])
        let executions = events.compactMap {
            if case .execution(let d, let c) = $0 { return (d, c) } else { return nil }
        }
        #expect(executions.count == 2)
        #expect(executions.allSatisfy { $0.0.execution.orderRef == "t" && $0.0.execution.shares?.doubleValue == 2 })
        // $0.65 per contract: 2 contracts per leg.
        #expect(executions.map { $0.1.commissionAndFees ?? 0 }.reduce(0, +) == 2.6)
        let positions = Dictionary(
            uniqueKeysWithValues: account.positions().map { ($0.contract.conId, $0.position?.doubleValue ?? 0) })
        #expect(positions == [put(590).1: -2, put(585).1: 2])
        let cash = try #require(
            Double(account.accountValues(at: open).first { $0.tag == "TotalCashValue" }?.value ?? ""))
        #expect(abs(cash - (100_000 + credit * 100 * 2 - 2.6)) < 0.01)
    }

    @Test func limitThatDoesNotCrossWorksUntilTheMarketMoves() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let credit = try naturalCredit(at: open)
        let events = account.place(
            orderId: 1, clientId: 1, contract: creditSpread(), order: order("BUY", 1, limit: -(credit + 2)), at: open)
        #expect(statuses(events) == ["PreSubmitted", "Submitted"])
        #expect(account.tick(at: open.addingTimeInterval(60)).isEmpty)
        #expect(account.openOrders(clientId: nil).count == 1)
        #expect(statuses(account.cancel(orderId: 1, clientId: 1, at: open)) == ["Cancelled"])
        #expect(account.openOrders(clientId: nil).isEmpty)
    }

    @Test func noFillsOutsideRegularHours() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        let evening = open.addingTimeInterval(8 * 3600)
        let events = account.place(
            orderId: 1, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: nil), at: evening)
        #expect(statuses(events) == ["PreSubmitted", "Submitted"])
        let nextMorning = open.addingTimeInterval(86_400)
        #expect(statuses(account.tick(at: nextMorning)).last == "Filled")
    }

    @Test func duplicateAndUnknownIds() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        _ = account.place(orderId: 5, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: 0.01), at: open)
        let again = account.place(
            orderId: 4, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: 0.01), at: open)
        // IB refuses reused ids only; an unused lower id is a new order.
        #expect(statuses(again).first == "PreSubmitted")
        let cancelUnknown = account.cancel(orderId: 77, clientId: 1, at: open)
        #expect(cancelUnknown.contains { if case .error(_, 10147, _) = $0 { true } else { false } })
    }

    @Test func reusingAFilledOrdersIdIsRejected() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        _ = account.place(orderId: 1, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: nil), at: open)
        let reuse = account.place(
            orderId: 1, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: nil), at: open)
        #expect(reuse == [.error(orderId: 1, code: 103, message: "Duplicate order id")])
    }

    @Test func globalCancelCancelsEverything() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        for id in 1...3 {
            _ = account.place(
                orderId: id, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: 0.01), at: open)
        }
        #expect(statuses(account.cancelAll(clientId: 1, at: open)) == ["Cancelled", "Cancelled", "Cancelled"])
        #expect(account.completedOrders().count == 3)
    }

    @Test func roundTripRealizesTheDifference() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        _ = account.place(orderId: 1, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: nil), at: open)
        let later = open.addingTimeInterval(3600)
        let close = account.place(
            orderId: 2, clientId: 1, contract: put(590).0, order: order("SELL", 1, limit: nil), at: later)
        #expect(statuses(close).last == "Filled")
        #expect(account.positions().isEmpty)
        let first = try #require(account.executions().first?.0.execution.price)
        let second = try #require(account.executions().last?.0.execution.price)
        let realized = try #require(account.executions().last?.1.realizedPNL)
        #expect(abs(realized - (second - first) * 100) < 1e-6)
    }

    @Test func stuckOrdersStayPreSubmitted() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        account.stickInPreSubmitted(nil)
        let events = account.place(
            orderId: 1, clientId: 1, contract: put(590).0, order: order("BUY", 1, limit: nil), at: open)
        #expect(statuses(events) == ["PreSubmitted"])
        #expect(account.tick(at: open.addingTimeInterval(600)).isEmpty)
    }

    @Test func rejectsWhatItCannotSimulate() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        var stop = order("BUY", 1, limit: 1)
        stop.orderType = "STP"
        #expect(
            account.place(orderId: 1, clientId: 1, contract: put(590).0, order: stop, at: open).contains {
                if case .error(_, 201, _) = $0 { true } else { false }
            })
        var foreign = order("BUY", 1, limit: 1)
        foreign.account = "U999"
        #expect(
            account.place(orderId: 2, clientId: 1, contract: put(590).0, order: foreign, at: open).contains {
                if case .error(_, 201, _) = $0 { true } else { false }
            })
    }
}

/// Expiry at the simulated account, as OCC and IB do it for SPY: a short put in the money at the
/// close is assigned into shares, the long put out of the money expires, and no execution is reported.
@Suite struct PaperAccountExpiryTests {
    let open = SimulatorHarness.wednesdayMorning  // 2026-03-04
    let market = SimulatedMarket(seed: 3, symbols: ["SPY"], reference: SimulatorHarness.wednesdayMorning)

    @Test func anInTheMoneyShortPutIsAssignedIntoSharesAfterTheExpiryClose() throws {
        let expiry = try #require(Expiry("20260306"))
        let calendar = market.calendar
        let close = calendar.date(expiry, minute: try #require(calendar.closeMinute(on: expiry)), second: 0)
        let atClose = try #require(market.price("SPY", at: close))
        let shortStrike = (atClose + 5).rounded()
        let longStrike = (atClose - 15).rounded()
        let contract = { (k: Double) in
            SimulatorContracts.contract(
                for: OptionContract(symbol: "SPY", expiry: expiry, strike: k, right: .put), market: market)
        }
        var combo = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        combo.comboLegs = [
            TWSComboLeg(conId: contract(shortStrike).conId, ratio: 1, action: "SELL"),
            TWSComboLeg(conId: contract(longStrike).conId, ratio: 1, action: "BUY"),
        ]
        var order = TWSOrder()
        order.action = "BUY"
        order.totalQuantity = TWSDecimal(mantissa: 2)
        order.orderType = "MKT"
        order.orderRef = "pt-1-open-1"
        let account = PaperAccount(accounts: ["DU1"], market: market)
        _ = account.place(orderId: 1, clientId: 1, contract: combo, order: order, at: open)
        func cash() throws -> Double {
            try #require(Double(account.accountValues(at: close).first { $0.tag == "TotalCashValue" }?.value ?? ""))
        }
        let before = try cash()
        let executions = account.executions().count
        // A minute before the close nothing happens; after it, the options are gone.
        #expect(account.tick(at: close.addingTimeInterval(-60)).isEmpty)
        #expect(account.positions().count == 2)
        _ = account.tick(at: close.addingTimeInterval(60))
        let held = account.positions()
        #expect(held.count == 1, "\(held.map(\.contract.secType))")
        let shares = try #require(held.first)
        #expect(shares.contract.secType == "STK" && shares.position?.doubleValue == 200)
        #expect(abs(shares.avgCost - shortStrike) < 1e-9)
        // The shares were paid for at the strike; nothing was reported as an execution.
        #expect(abs(try cash() - (before - 200 * shortStrike)) < 0.01)
        #expect(account.executions().count == executions)
        // Once only: a later tick changes nothing.
        _ = account.tick(at: close.addingTimeInterval(3600))
        #expect(account.positions().first?.position?.doubleValue == 200)
    }
}
