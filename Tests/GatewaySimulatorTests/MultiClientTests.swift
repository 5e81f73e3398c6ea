import Foundation
import OptionsModel
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// Several API clients on one paper account.
@Suite struct MultiClientAccountTests {
    let open = SimulatorHarness.wednesdayMorning
    let market = SimulatedMarket(seed: 3, symbols: ["SPY", "QQQ", "IWM"], reference: SimulatorHarness.wednesdayMorning)

    var put: TWSContract {
        SimulatorContracts.contract(
            for: OptionContract(symbol: "SPY", expiry: day("20260417"), strike: 590, right: .put), market: market)
    }

    func buy(limit: Double?) -> TWSOrder {
        var o = TWSOrder()
        o.action = "BUY"
        o.totalQuantity = TWSDecimal(mantissa: 1)
        o.orderType = limit == nil ? "MKT" : "LMT"
        o.lmtPrice = limit
        return o
    }

    func kinds(_ events: [SimAccountEvent]) -> [String] {
        events.map {
            switch $0 {
            case .orderStatus(let s): "status \(s.status)"
            case .openOrder: "openOrder"
            case .execution: "execution"
            case .error(_, let code, _): "error \(code)"
            case .positionChanged: "positionChanged"
            }
        }
    }

    @Test func twoClientsMayUseTheSameOrderId() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        _ = account.place(orderId: 1, clientId: 1, contract: put, order: buy(limit: 0.01), at: open)
        let second = account.place(orderId: 1, clientId: 2, contract: put, order: buy(limit: 0.02), at: open)
        #expect(kinds(second).prefix(2) == ["openOrder", "status PreSubmitted"])  // new, not a modification
        #expect(account.openOrders(clientId: 1).map(\.0.order.lmtPrice) == [0.01])
        #expect(account.openOrders(clientId: 2).map(\.0.order.lmtPrice) == [0.02])
        #expect(account.openOrders(clientId: nil).count == 2)
        // Client 2 cancels its order 1; client 1's stays.
        #expect(kinds(account.cancel(orderId: 1, clientId: 2, at: open)) == ["status Cancelled", "error 202"])
        #expect(account.openOrders(clientId: 1).count == 1)
        #expect(kinds(account.cancel(orderId: 1, clientId: 3, at: open)) == ["error 10147"])
    }

    @Test func aRestingOrdersFillGoesToItsOwnerWhoeverTicks() {
        let account = PaperAccount(accounts: ["DU1"], market: market)
        account.connect(clientId: 1)
        account.connect(clientId: 2)
        let evening = open.addingTimeInterval(8 * 3600)
        _ = account.place(orderId: 5, clientId: 1, contract: put, order: buy(limit: nil), at: evening)
        // The idle client's timer runs first after the open: it learns only that a position moved.
        let idle = account.tick(at: open.addingTimeInterval(86_400), for: 2)
        #expect(kinds(idle) == ["positionChanged"])
        let owner = account.tick(at: open.addingTimeInterval(86_401), for: 1)
        #expect(kinds(owner) == ["execution", "status Filled", "openOrder"])
    }

    @Test func theMasterClientSeesEveryOrder() {
        let account = PaperAccount(accounts: ["DU1"], market: market, masterClientId: 0)
        account.connect(clientId: 0)
        account.connect(clientId: 1)
        let own = account.place(orderId: 9, clientId: 1, contract: put, order: buy(limit: nil), at: open)
        let master = account.tick(at: open, for: 0)
        #expect(kinds(master) == kinds(own))
        #expect(account.tick(at: open, for: 1).isEmpty)
        #expect(account.openOrders(clientId: 0).count == account.openOrders(clientId: nil).count)
    }
}

/// Two sessions over real sockets.
@Suite(.serialized) struct MultiClientWireTests {
    @Test func fillsReachOnlyTheOwnerAndPositionsReachEveryone() async throws {
        let evening = SimulatorHarness.wednesdayMorning.addingTimeInterval(8 * 3600)
        try await SimulatorHarness.with({ $0.start = evening }) { sim in
            try await WireTestClient.withConnection(port: sim.port, clientId: 1) { owner in
                try await WireTestClient.withConnection(port: sim.port, clientId: 2) { idle in
                    await owner.wait { $0.contains { if case .nextValidId = $0 { true } else { false } } }
                    await idle.wait { $0.contains { if case .nextValidId = $0 { true } else { false } } }
                    try await idle.send(.reqPositions)
                    await idle.wait { $0.contains(.positionEnd) }
                    var place = TWSPlaceOrder()
                    place.orderId = 1
                    place.contract = option(590, "P")
                    place.order.action = "BUY"
                    place.order.totalQuantity = TWSDecimal(mantissa: 1)
                    place.order.orderType = "MKT"
                    place.order.orderRef = "owner-1"
                    try await owner.send(.placeOrder(place))
                    await owner.wait {
                        $0.contains { if case .orderStatus(let s) = $0 { s.status == "Submitted" } else { false } }
                    }
                    // The same order id from the idle client is its own order, not a modification.
                    place.order.orderRef = "idle-1"
                    place.order.orderType = "LMT"
                    place.order.lmtPrice = 0.01
                    try await idle.send(.placeOrder(place))
                    await idle.wait {
                        $0.contains { if case .orderStatus(let s) = $0 { s.status == "Submitted" } else { false } }
                    }
                    sim.advanceClock(by: 16 * 3600)  // the next morning: the owner's market order fills
                    let filled = await owner.wait {
                        $0.contains { if case .orderStatus(let s) = $0 { s.status == "Filled" } else { false } }
                    }
                    #expect(
                        filled.contains {
                            if case .execDetails(let e) = $0 { e.execution.orderRef == "owner-1" } else { false }
                        })
                    let seen = await idle.wait {
                        $0.contains { if case .position(let p) = $0 { p.position?.doubleValue == 1 } else { false } }
                    }
                    #expect(!seen.contains { if case .execDetails = $0 { true } else { false } })
                    #expect(!seen.contains { if case .orderStatus(let s) = $0 { s.status == "Filled" } else { false } })
                    #expect(sim.acceptedOrders.map(\.orderRef) == ["owner-1", "idle-1"])
                }
            }
        }
    }
}
