import Foundation
import OptionsModel
import Testing

@testable import SnapshotStore

@Suite struct TradingStoreTests {
    let time = Date(timeIntervalSince1970: 1_772_638_200)
    let legs = [
        LegRecord(
            action: .sell,
            contract: OptionContract(symbol: "SPY", expiry: Expiry("20260417")!, strike: 590, right: .put, conId: 7),
            entryPrice: 2.1),
        LegRecord(
            action: .buy,
            contract: OptionContract(symbol: "SPY", expiry: Expiry("20260417")!, strike: 585, right: .put)),
    ]

    @Test func positionsOrdersAndFillsRoundTrip() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        var p = PositionRecord(
            symbol: "SPY", structure: .bullPutSpread, status: .opening, quantity: 2, expiry: Expiry("20260417")!,
            legs: legs, maxLoss: 700)
        let id = try store.insertPosition(p)
        p.id = id
        #expect(try store.positions(status: nil) == [p])
        p.status = .open
        p.openedAt = time
        p.entryCredit = 1.5
        p.openOrderRef = "pt-1-open-1"
        try store.updatePosition(p)
        #expect(try store.positions(status: [.open]) == [p])
        #expect(try store.positions(status: [.closed]).isEmpty)
        var missing = p
        missing.id = 99
        #expect(throws: StoreError.self) { try store.updatePosition(missing) }

        var order = OrderRecord(
            orderRef: "pt-1-open-1", positionID: id, purpose: .open, status: .submitted, limitPrice: -1.5,
            quantity: 2, legs: legs, venue: .ibPaper, createdAt: time, updatedAt: time)
        try store.upsertOrder(order)
        order.status = .filled
        order.filledQuantity = 2
        order.ibOrderId = 12
        order.repriceCount = 2
        try store.upsertOrder(order)
        #expect(try store.order(ref: "pt-1-open-1") == order)
        #expect(try store.orders(limit: 10).count == 1)

        let fill = FillRecord(
            execId: "e1", orderRef: "pt-1-open-1", ibOrderId: 12, time: time, symbol: "SPY",
            leg: "SPY   260417P00590000",
            side: .sold, quantity: 2, price: 2.1, commission: 1.3, realizedPnL: nil)
        #expect(try store.insertFill(fill))
        // Venues repeat executions (reqExecutions after a reconnect): the second copy is ignored.
        #expect(try store.insertFill(fill) == false)
        #expect(try store.fills(orderRef: "pt-1-open-1") == [fill])
        #expect(try store.fills(orderRef: "other").isEmpty)
    }

    @Test func anAssignedPositionAndItsShareFillsRoundTrip() throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        var p = PositionRecord(
            symbol: "SPY", structure: .bullPutSpread, status: .assigned, quantity: 1, expiry: Expiry("20260417")!,
            legs: legs, entryCredit: 1.5, maxLoss: 350, note: "long 100 SPY from the expiry")
        p.id = try store.insertPosition(p)
        #expect(try store.positions(status: [.assigned]) == [p])
        let shares = FillRecord(
            execId: "assign.1.0", orderRef: "pt-1-settle-1", ibOrderId: nil, time: time, symbol: "SPY", leg: "SPY",
            side: .bought, quantity: 100, price: 590, commission: 0)
        #expect(try store.insertFill(shares))
        let read = try #require(try store.fills(orderRef: "pt-1-settle-1").first)
        // Shares are not contracts: 100 bought at 590 cost $59,000, not 100 x 100 x 590.
        #expect(read.isStock && read.shares == 100 && read.cash() == -59_000)
    }

    @Test func readOnlyOpenLeavesALiveCycleAlone() throws {
        let path = temporaryDatabase()
        let writer = try SQLiteStore(path: path)
        let id = try writer.beginCycle(startedAt: time)
        // A reader (report, health, store stats) beside a live run must not take its cycle for a crash.
        let reader = try SQLiteStore(path: path, readOnly: true)
        #expect(try reader.cycles(limit: 1).first?.status == .running)
        #expect(throws: (any Error).self) { try reader.beginCycle(startedAt: time) }
        #expect(try writer.cycles(limit: 1).first?.id == id)
        #expect(throws: StoreError.self) { try SQLiteStore(path: path + ".missing", readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path + ".missing"))
    }
}
