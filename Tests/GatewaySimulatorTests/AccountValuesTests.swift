import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// ibapi 10.51's `AccountSummaryTags.AllTags`, verbatim (its two `ReqT...` spellings included).
let ibapiAllTags =
    "AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,"
    + "PreviousDayEquityWithLoanValue,GrossPositionValue,ReqTEquity,ReqTMargin,SMA,InitMarginReq,MaintMarginReq,"
    + "AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,"
    + "FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,LookAheadMaintMarginReq,"
    + "LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,Leverage"

/// ib_async 2.1's account summary request, verbatim.
let ibAsyncTags =
    "AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,"
    + "PreviousDayEquityWithLoanValue,GrossPositionValue,RegTEquity,RegTMargin,SMA,InitMarginReq,MaintMarginReq,"
    + "AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,"
    + "FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,LookAheadMaintMarginReq,"
    + "LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,"
    + "DayTradesRemainingT+1,DayTradesRemainingT+2,DayTradesRemainingT+3,DayTradesRemainingT+4,Leverage,$LEDGER:ALL"

/// A date literal of a test (yyyymmdd); a malformed one is a bug in the test itself.
func day(_ yyyymmdd: String) -> Expiry {
    guard let d = Expiry(yyyymmdd) else { preconditionFailure("not a yyyymmdd literal: \(yyyymmdd)") }
    return d
}

func summaryRequest(_ reqId: Int, _ tags: String) -> TWSRequest {
    var request = TWSReqAccountSummary()
    request.reqId = reqId
    request.tags = tags
    return .reqAccountSummary(request)
}

func summaries(_ messages: [TWSServerMessage], reqId: Int) -> [TWSAccountSummary] {
    messages.compactMap { if case .accountSummary(let s) = $0, s.reqId == reqId { return s } else { return nil } }
}

@Suite struct RegTMarginTests {
    let expiry = day("20260417")

    func leg(_ strike: Double, _ right: OptionRight, _ quantity: Double, mark: Double = 1) -> RegTMargin.Position {
        RegTMargin.Position(
            symbol: "SPY", option: OptionContract(symbol: "SPY", expiry: expiry, strike: strike, right: right),
            quantity: quantity, multiplier: 100, mark: mark, underlying: 600)
    }

    @Test func verticalCostsItsWidth() {
        let spread = RegTMargin.requirement([leg(590, .put, -2), leg(585, .put, 2)])
        #expect(spread == .init(initial: 1000, maintenance: 1000))
        let callSpread = RegTMargin.requirement([leg(610, .call, -1), leg(620, .call, 1)])
        #expect(callSpread.initial == 1000)
    }

    @Test func ironCondorIsChargedTheWiderSideOnly() {
        let condor = [leg(590, .put, -1), leg(585, .put, 1), leg(610, .call, -1), leg(620, .call, 1)]
        #expect(RegTMargin.requirement(condor).initial == 1000)
    }

    @Test func longOptionsAndDebitSpreadsNeedNoMargin() {
        #expect(RegTMargin.requirement([leg(600, .call, 3)]) == .zero)
        #expect(RegTMargin.requirement([leg(590, .put, 1), leg(585, .put, -1)]) == .zero)
    }

    @Test func nakedShortsPayIBsNakedRule() {
        // Short 590 put at $2, underlying 600: 2 + max(20% x 600 - 10, 10% x 590) = 112 per share.
        #expect(abs(RegTMargin.requirement([leg(590, .put, -1, mark: 2)]).initial - 11_200) < 1e-6)
        // Short 620 call at $3: 3 + max(120 - 20, 60) = 103 per share; unbounded, so always the naked rule.
        #expect(abs(RegTMargin.requirement([leg(620, .call, -1, mark: 3)]).initial - 10_300) < 1e-6)
    }

    @Test func stockIsHalfInitialQuarterMaintenance() {
        let stock = RegTMargin.Position(
            symbol: "SPY", option: nil, quantity: 100, multiplier: 1, mark: 600, underlying: 600)
        #expect(RegTMargin.requirement([stock]) == .init(initial: 30_000, maintenance: 15_000))
    }
}

@Suite struct AccountValuesTests {
    let open = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 3, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    func put(_ strike: Double) -> Int {
        let option = OptionContract(symbol: "SPY", expiry: day("20260417"), strike: strike, right: .put)
        return market.optionConId(option) ?? 0
    }

    func value(_ rows: [SimAccountValue], _ tag: String) -> Double? {
        rows.first { $0.tag == tag }.flatMap { Double($0.value) }
    }

    @Test func everySummaryTagOfEveryAccount() {
        let account = PaperAccount(accounts: ["DU1", "DU2"], market: market, startingCash: 1_000_000)
        let rows = account.accountValues(at: open)
        for name in ["DU1", "DU2"] {
            #expect(Set(rows.filter { $0.account == name }.map(\.tag)) == Set(PaperAccount.summaryTags))
        }
        for row in rows where row.tag != "AccountType" { #expect(Double(row.value) != nil, "\(row.tag)") }
        let du1 = rows.filter { $0.account == "DU1" }
        #expect(du1.first { $0.tag == "NetLiquidation" }?.value == "1000000.00")
        #expect(du1.first { $0.tag == "Cushion" }?.currency == "")
        #expect(du1.first { $0.tag == "FullMaintMarginReq" }?.currency == "USD")
        #expect(value(du1, "FullMaintMarginReq") == 0)
    }

    @Test func creditSpreadMarginAndEquity() throws {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        var combo = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        combo.comboLegs = [
            TWSComboLeg(conId: put(590), ratio: 1, action: "SELL"),
            TWSComboLeg(conId: put(585), ratio: 1, action: "BUY"),
        ]
        var order = TWSOrder()
        order.action = "BUY"
        order.totalQuantity = TWSDecimal(mantissa: 2)
        order.orderType = "MKT"
        _ = account.place(orderId: 1, clientId: 1, contract: combo, order: order, at: open)
        let rows = account.accountValues(at: open)
        #expect(value(rows, "MaintMarginReq") == 1000)
        #expect(value(rows, "InitMarginReq") == 1000)
        #expect(value(rows, "FullMaintMarginReq") == 1000)
        let cash = try #require(value(rows, "TotalCashValue"))
        #expect(value(rows, "EquityWithLoanValue") == cash)
        #expect(value(rows, "AvailableFunds") == cash - 1000)
        let ledger = account.ledger(at: open, currencies: ["BASE", "USD"])
        #expect(Set(ledger.map(\.currency)) == ["BASE", "USD"])
        let optionValue = try #require(value(ledger, "OptionMarketValue"))
        #expect(optionValue < 0)
        let net = try #require(value(rows, "NetLiquidation"))
        #expect(abs(net - (cash + optionValue)) < 0.02)
    }

    @Test func ledgerCurrenciesOfTheLedgerTags() {
        #expect(SessionEngine.ledgerCurrencies(["NetLiquidation"]) == [])
        #expect(SessionEngine.ledgerCurrencies(["$LEDGER"]) == ["BASE"])
        #expect(SessionEngine.ledgerCurrencies(["$LEDGER:ALL"]) == ["BASE", "USD"])
        #expect(SessionEngine.ledgerCurrencies(["$LEDGER:USD"]) == ["USD"])
    }
}

/// The account tags over the wire, as ibapi and ib_async ask for them.
@Suite(.serialized) struct AccountWireTests {
    @Test func ibapiAllTagsAreAnsweredUnderTheSpellingAsked() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(summaryRequest(3, ibapiAllTags))
                let got = await client.wait { $0.contains(.accountSummaryEnd(.init(reqId: 3))) }
                let tags = Set(summaries(got, reqId: 3).map(\.tag))
                #expect(tags == Set(ibapiAllTags.split(separator: ",").map(String.init)))
            }
        }
    }

    @Test func ibAsyncTagsWithTheLedgerOfEveryCurrency() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(summaryRequest(4, ibAsyncTags))
                let got = await client.wait { $0.contains(.accountSummaryEnd(.init(reqId: 4))) }
                let rows = summaries(got, reqId: 4)
                let asked = Set(ibAsyncTags.split(separator: ",").map(String.init)).subtracting(["$LEDGER:ALL"])
                #expect(asked.isSubset(of: Set(rows.map(\.tag))))
                let cash = rows.filter { $0.tag == "CashBalance" }
                #expect(Set(cash.map(\.currency)) == ["BASE", "USD"])
                #expect(cash.allSatisfy { $0.value == "100000.00" })
            }
        }
    }

    @Test func accountUpdatesCarryTheSameValuesWithBaseAndUSDRows() async throws {
        try await SimulatorHarness.with({ $0.startingCash = 1_000_000 }) { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                var request = TWSReqAccountUpdates()
                request.subscribe = true
                try await client.send(.reqAccountUpdates(request))
                let got = await client.wait {
                    $0.contains { if case .accountDownloadEnd = $0 { true } else { false } }
                }
                let values = got.compactMap { if case .accountValue(let v) = $0 { return v } else { return nil } }
                let keys = Set(values.map(\.key))
                #expect(Set(PaperAccount.summaryTags).isSubset(of: keys))
                #expect(keys.isSuperset(of: ["AccountCode", "CashBalance", "NetLiquidationByCurrency"]))
                #expect(values.first { $0.key == "FullMaintMarginReq" }?.val == "0.00")
                #expect(values.first { $0.key == "NetLiquidation" }?.val == "1000000.00")
                let ledger = values.filter { $0.key == "NetLiquidationByCurrency" }
                #expect(Set(ledger.map(\.currency)) == ["BASE", "USD"])
            }
        }
    }
}
