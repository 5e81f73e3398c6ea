import AppConfig
import Foundation
import GatewaySimulator
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import TWSClient
import TWSWire
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// A configuration under which IWM trades readily on the simulator: wide strike range, a loose
/// credit floor, no open-interest gate, all-day trading window, and limits that cross at once.
func tradingOptions(accounts: [String]? = nil, venue: String = "ib_paper", riskLimits: String = "") throws
    -> RuntimeOptions
{
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
        "trader-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let yaml =
        readilyTradingIWM + """
            storage:
              path: \(dir.path)/db.sqlite
            execution:
              venue: \(venue)
              limit_offset: 0.5
              reprice_after_seconds: 1
              max_reprices: 2
              cancel_unfilled_after_seconds: 5
            risk:
              trading_window_start: "09:30"
              trading_window_end: "16:00"
              no_entry_minutes_before_close: 0
              kill_switch_file: \(dir.path)/KILL
            \(riskLimits)
            """
    var options = RuntimeOptions(
        loaded: try ConfigLoader.load(text: yaml, source: "trading.yaml"), simulator: true,
        simulatorStart: SimulatorHarness.wednesdayMorning, clockSpeed: 1)
    options.simulatorAccounts = accounts
    return options
}

@Suite(.serialized) struct PaperTraderTests {
    @Test func opensOnThePaperAccountThenExitsDaysLater() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let first = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            let id = try #require(first.opened.first, "no position opened: \(first)")
            let position = try #require(try rt.store.positions(status: [.open]).first)
            // Two legs for a vertical, four for an iron condor (the trend decides).
            #expect(position.id == id && [2, 4].contains(position.legs.count) && (position.entryCredit ?? 0) > 0)
            let openRef = try #require(position.openOrderRef)
            let order = try #require(try rt.store.order(ref: openRef))
            #expect(order.status == .filled && order.ibOrderId != nil && order.account == "DU1234567")
            let fills = try rt.store.fills(orderRef: order.orderRef)
            #expect(fills.count == position.legs.count && fills.allSatisfy { ($0.commission ?? 0) > 0 })
            // The account holds exactly the legs the journal says.
            let held = try await rt.client.positions().filter { ($0.position?.doubleValue ?? 0) != 0 }
            #expect(held.count == position.legs.count)
            #expect(Set(held.map { $0.position?.doubleValue ?? 0 }) == [-1, 1])

            // Four weeks later (the entry took the expiry nearest 45 DTE) the 21-DTE rule, or an earlier
            // one, closes it through the account.
            rt.simulator?.advanceClock(by: 27 * 86_400)
            let (later, laterPictures) = try await rt.collector.collectCycle()
            let second = await rt.trader.onCycle(pictures: laterPictures, now: later.timestamp)
            let journal = try rt.store.recentEvents(limit: 8, kind: nil).map(\.message)
            #expect(second.closed == [id], "\(journal)")
            let closed = try #require(try rt.store.positions(status: [.closed]).first { $0.id == id })
            #expect(closed.exitReason != nil)
            #expect(closed.exitDebit != nil && closed.realizedPnL != nil)
            // Its legs are gone from the account (a new position may have opened at a later expiry).
            let leftovers = try await rt.client.positions().filter {
                ($0.position?.doubleValue ?? 0) != 0
                    && $0.contract.lastTradeDateOrContractMonth == position.expiry.yyyymmdd
            }
            #expect(leftovers.isEmpty)
            // Realized P&L in the journal equals the account's (its closing executions carry it, before
            // commissions) less both orders' commissions.
            let closeRef = try #require(closed.closeOrderRef)
            let closeFills = try rt.store.fills(orderRef: closeRef)
            let accountRealized = closeFills.compactMap(\.realizedPnL).reduce(0, +)
            let openCommission = fills.compactMap(\.commission).reduce(0, +)
            let closeCommission = closeFills.compactMap(\.commission).reduce(0, +)
            #expect(abs((closed.realizedPnL ?? 0) - (accountRealized - openCommission - closeCommission)) < 0.02)
            let summary = try await rt.trader.summary()
            let stillOpen = try rt.store.positions(status: [.open]).count
            #expect(summary.closedTrades == 1 && summary.openPositions == stillOpen)
            #expect(abs(summary.realizedPnL - (closed.realizedPnL ?? 0)) < 1e-9)
            let kinds = Set(try rt.store.recentEvents(limit: 100, kind: nil).map(\.kind.rawValue))
            #expect(
                kinds.isSuperset(of: [
                    "order_submitted", "order_filled", "position_opened", "exit_signal", "position_closed",
                ]))
        }
    }

    @Test func refusesToTradeUnlessEveryAccountIsPaper() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(accounts: ["U7654321"]), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            #expect(report.opened.isEmpty)
            let refused = try rt.store.recentEvents(limit: 20, kind: .orderRefused)
            #expect(refused.first?.message.contains("not all paper accounts") == true)
            #expect(try rt.store.orders(limit: 10).allSatisfy { $0.status == .rejected })
            #expect(try rt.store.positions(status: [.open, .opening]).isEmpty)
            // Nothing reached the account.
            #expect(try await rt.client.openOrders().isEmpty)
            #expect(try await rt.client.executions().isEmpty)
        }
    }

    @Test func killSwitchHaltsEntries() async throws {
        let options = try tradingOptions()
        let file = options.loaded.config.risk.killSwitchFile
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            #expect(rt.killSwitchOn())
            let report = await rt.trader.onCycle(
                pictures: pictures, now: cycle.timestamp, killSwitch: rt.killSwitchOn())
            #expect(report.opened.isEmpty && report.noTrade["IWM"] == "kill switch is on")
            #expect(try rt.store.orders(limit: 10).isEmpty)
            let health = await HealthChecker.service(rt)
            #expect(health.checks.contains { $0.name == "kill switch" && $0.status == .degraded })
            #expect(health.checks.contains { $0.name == "portfolio" && $0.detail.contains("0 open") })
        }
    }

    /// A crash between "order stored" and "result stored": the restart asks the account by orderRef
    /// and never sends the order again.
    @Test func restartReconcilesInFlightOrdersWithoutResending() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let picture = try #require(pictures.first)
            guard
                case .trade(let candidate) = EntrySignal.evaluate(
                    picture, rules: OrchestratorRuntime.traderSettings(rt.config).strategy, now: cycle.timestamp)
            else {
                Issue.record("no candidate")
                return
            }
            let legs = candidate.legs.map {
                LegRecord(action: $0.action, contract: $0.option.contract, entryPrice: $0.option.quote.mid)
            }
            // Three positions as the trader leaves them just before the venue answers.
            func inFlight(_ ref: String) throws -> Int64 {
                let id = try rt.store.insertPosition(
                    PositionRecord(
                        symbol: "IWM", structure: candidate.structure, status: .opening, quantity: 1,
                        expiry: candidate.expiry, legs: legs, maxLoss: candidate.maxLoss, openOrderRef: ref))
                try rt.store.upsertOrder(
                    OrderRecord(
                        orderRef: ref, positionID: id, purpose: .open, status: .submitted, limitPrice: nil,
                        quantity: 1, legs: legs, venue: .ibPaper, createdAt: cycle.timestamp,
                        updatedAt: cycle.timestamp))
                return id
            }
            let filledID = try inFlight("pt-filled")
            let workingID = try inFlight("pt-working")
            let lostID = try inFlight("pt-never-sent")
            let venue = IBPaperVenue(client: rt.client, speed: 1, logger: quiet)
            let combo = try await venue.combo(
                for: OrderTicket(
                    orderRef: "x", symbol: "IWM", purpose: .open, legs: legs, quantity: 1, mid: 0, natural: 0),
                limit: nil)
            func place(_ ref: String, limit: Double) async throws {
                var order = combo
                order.limit = limit
                order.orderRef = ref
                _ = try await rt.client.placeOrder(order)
            }
            try await place("pt-filled", limit: 5)  // crosses at once
            try await place("pt-working", limit: -4.99)  // a credit nobody pays: stays working
            try await Task.sleep(for: .milliseconds(300))

            let report = await rt.trader.reconcile(now: cycle.timestamp)
            #expect(report.ordersChecked == 3 && report.ordersRecovered == 1 && report.ordersCancelled == 2)
            #expect(report.fillsRecovered == legs.count)
            let positions = Dictionary(
                uniqueKeysWithValues: try rt.store.positions(status: nil).map { ($0.id ?? 0, $0) })
            #expect(positions[filledID]?.status == .open && positions[filledID]?.entryCredit != nil)
            #expect(positions[workingID]?.status == .unfilled && positions[lostID]?.status == .unfilled)
            #expect(try rt.store.order(ref: "pt-never-sent")?.status == .cancelled)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await rt.client.openOrders().isEmpty)
            // Each orderRef reached the account once; reconciling again changes nothing.
            let executions = try await rt.client.executions()
            #expect(Set(executions.map(\.details.execution.orderRef)) == ["pt-filled"])
            let again = await rt.trader.reconcile(now: cycle.timestamp)
            #expect(again.ordersChecked == 0 && again.fillsRecovered == 0 && again.mismatches.isEmpty)
            #expect(try rt.store.fills(orderRef: "pt-filled").count == legs.count)
        }
    }
}

/// The trader's exits end to end on the `simulated` venue (no account): quotes are moved to each
/// rule's threshold and the next pass must close through the venue with that reason.
@Suite(.serialized) struct TraderExitTests {
    /// Scales the mid of every leg of `position` so closing costs `debit` per share.
    func repriced(_ picture: MarketPicture, _ position: PositionRecord, debit: Double) -> MarketPicture {
        var p = picture
        let keys = Dictionary(uniqueKeysWithValues: position.legs.map { ($0.contract.key, $0.action) })
        let shorts = Double(position.legs.filter { $0.action == .sell }.count)
        for i in p.chain.options.indices {
            guard let action = keys[p.chain.options[i].contract.key] else { continue }
            // Longs worth nothing, shorts share the debit: the mark is exactly `debit`.
            let mid = action == .sell ? debit / shorts : 0
            p.chain.options[i].quote = Quote(bid: max(0, mid - 0.01), ask: mid + 0.01)
            p.chain.options[i].greeks.delta = action == .sell ? -0.2 : -0.05
        }
        return p
    }

    func openOne(_ rt: Runtime) async throws -> (PositionRecord, MarketPicture, Date) {
        let (cycle, pictures) = try await rt.collector.collectCycle()
        let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
        let id = try #require(report.opened.first, "\(report)")
        let position = try #require(try rt.store.positions(status: [.open]).first { $0.id == id })
        #expect(try rt.store.fills(orderRef: position.openOrderRef).allSatisfy { $0.execId.hasPrefix("sim.") })
        return (position, try #require(pictures.first), cycle.timestamp)
    }

    @Test func takeProfitStopLossAndSettlement() async throws {
        let options = try tradingOptions(
            venue: "simulated",
            riskLimits:
                "  max_positions_per_symbol: 5\n  max_new_positions_per_day: 10\n  allow_overlapping_positions: true")
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            let (p1, picture, t) = try await openOne(rt)
            let credit = try #require(p1.entryCredit)
            // Half the credit captured: take profit.
            var r = await rt.trader.onCycle(pictures: [repriced(picture, p1, debit: credit * 0.4)], now: t + 300)
            #expect(r.closed == [p1.id!])
            let tp = try #require(try rt.store.positions(status: [.closed]).first { $0.id == p1.id })
            #expect(tp.exitReason == .takeProfit && (tp.realizedPnL ?? 0) > 0)

            let (p2, picture2, t2) = try await openOne(rt)
            let credit2 = try #require(p2.entryCredit)
            // A loss of twice the credit: stop loss.
            r = await rt.trader.onCycle(pictures: [repriced(picture2, p2, debit: credit2 * 3.2)], now: t2 + 300)
            #expect(r.closed.contains(p2.id!))
            let sl = try #require(try rt.store.positions(status: [.closed]).first { $0.id == p2.id })
            #expect(sl.exitReason == .stopLoss && (sl.realizedPnL ?? 0) < 0)

            // Held past its expiry (the DTE exit never got quotes): settled against the expiry day's
            // close, not the next session's first price — and IWM options deliver shares, so the short
            // leg in the money at the close is assigned and the shares are closed at the next cycle.
            var held = p2
            held.id = nil
            held.status = .open
            held.closeOrderRef = nil
            held.exitReason = nil
            let heldID = try rt.store.insertPosition(held)
            let calendar = MarketCalendar()
            var atClose = picture2
            atClose.chain.options = []
            // The expiry close puts the first short leg a dollar in the money; by the next morning the
            // underlying is back where it was (every leg out of the money).
            let firstShort = try #require(held.legs.first { $0.action == .sell }).contract
            atClose.price = firstShort.right == .put ? firstShort.strike - 1 : firstShort.strike + 1
            r = await rt.trader.onCycle(pictures: [atClose], now: calendar.date(p2.expiry, minute: 15 * 60 + 55))
            #expect(!r.closed.contains(heldID))
            var nextMorning = atClose
            nextMorning.price = picture2.price
            // (The next session: shares trade in the regular session only, and a Friday expiry's next
            // calendar day is a Saturday.)
            let afterExpiry = calendar.date(calendar.nextTradingDay(after: p2.expiry), minute: 600)
            r = await rt.trader.onCycle(pictures: [nextMorning], now: afterExpiry)
            let said = try rt.store.recentEvents(limit: 12, kind: nil).map(\.message)
            #expect(r.closed.contains(heldID), "\(r) \(said)")
            let settled = try #require(try rt.store.positions(status: [.closed]).first { $0.id == heldID })
            #expect(settled.exitReason == .assigned)
            let assignment = try #require(try rt.store.recentEvents(limit: 50, kind: .assignment).first)
            #expect(assignment.message.contains(String(format: "close %.2f", try #require(atClose.price))))
            let fills = try rt.store.orders(positionID: heldID).flatMap { try rt.store.fills(orderRef: $0.orderRef) }
            let shares = fills.filter(\.isStock)
            // Bought (put) or sold (call) at the strike by the assignment, closed a cent off the next price.
            let assigned = try #require(shares.first { $0.price == firstShort.strike })
            let closing = try #require(shares.first { $0.execId.hasPrefix("sim.") })
            let next = try #require(nextMorning.price)
            #expect(abs(closing.price - (next + (assigned.side == .bought ? -0.01 : 0.01))) < 1e-9)
            #expect(shares.reduce(0) { $0 + $1.shares } == 0 && assigned.quantity == 100 * Double(held.quantity))
            let stockCash = shares.reduce(0) { $0 + $1.cash() }
            #expect(abs((settled.exitDebit ?? 0) - -stockCash / (100 * Double(held.quantity))) < 1e-9)
            let allCash = fills.reduce(0) { $0 + $1.cash() - ($1.commission ?? 0) }
            #expect(abs((settled.realizedPnL ?? 0) - allCash) < 1e-6)
        }
    }

    @Test func anAssignmentAtTheAccountIsBookedAndItsSharesSoldThroughIB() async throws {
        try await OrchestratorRuntime.with(try tradingOptions(), logger: quiet) { rt in
            let sim = try #require(rt.simulator)
            _ = await rt.trader.reconcile(now: await rt.marketTime())
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let chain = try #require(pictures.first { $0.symbol == "IWM" }).chain
            let expiry = try #require(Set(chain.options.map(\.contract.expiry)).min())
            let calendar = MarketCalendar()
            let close = calendar.date(expiry, minute: try #require(calendar.closeMinute(on: expiry)), second: 0)
            // A put spread whose short strike the simulated market will close $3 above: assigned.
            let atClose = try #require(sim.underlyingPrice("IWM", at: close))
            let put = { (k: Double) in OptionContract(symbol: "IWM", expiry: expiry, strike: k, right: .put) }
            let legs = [
                LegRecord(action: .sell, contract: put((atClose + 3).rounded())),
                LegRecord(action: .buy, contract: put((atClose - 10).rounded())),
            ]
            let id = try rt.store.insertPosition(
                PositionRecord(
                    symbol: "IWM", structure: .bullPutSpread, status: .opening, quantity: 1, expiry: expiry, legs: legs,
                    maxLoss: 1_300))
            let ref = OrderRef.make(position: id, purpose: .open, now: cycle.timestamp)
            var journaled = try #require(try rt.store.positions(status: nil).first { $0.id == id })
            journaled.openOrderRef = ref
            try rt.store.updatePosition(journaled)
            try rt.store.upsertOrder(
                OrderRecord(
                    orderRef: ref, positionID: id, purpose: .open, status: .submitted, limitPrice: nil, quantity: 1,
                    legs: legs, venue: .ibPaper, createdAt: cycle.timestamp, updatedAt: cycle.timestamp))
            // The order reaches the account (as if sent before a restart) and fills; reconcile books it.
            let venue = IBPaperVenue(client: rt.client, speed: 1, logger: quiet)
            var combo = try await venue.combo(
                for: OrderTicket(
                    orderRef: ref, symbol: "IWM", purpose: .open, legs: legs, quantity: 1, mid: 0, natural: 0),
                limit: nil)
            combo.limit = 5  // crosses at once
            let handle = try await rt.client.placeOrder(combo)
            for await event in handle.events {
                if case .status(_, true, _) = TWSOrderUpdate(event) { break }
            }
            _ = await rt.trader.reconcile(now: cycle.timestamp)
            let opened = try #require(try rt.store.positions(status: [.open]).first { $0.id == id })
            let credit = try #require(opened.entryCredit)

            // The expiry day's last cycle stores the closing price; the trader does not run then.
            sim.advanceClock(by: close.addingTimeInterval(-300).timeIntervalSince(sim.now))
            _ = try await rt.collector.collectCycle()
            // Next session: the account shows the shares, the trader books the assignment and sells them.
            let nextOpen = calendar.date(calendar.nextTradingDay(after: expiry), minute: 9 * 60 + 35, second: 0)
            sim.advanceClock(by: nextOpen.timeIntervalSince(sim.now))
            let (next, nextPictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: nextPictures, now: next.timestamp)
            let journal = try rt.store.recentEvents(limit: 12, kind: nil).map(\.message)
            #expect(report.closed.contains(id), "\(report) \(journal)")
            let closed = try #require(try rt.store.positions(status: [.closed]).first { $0.id == id })
            #expect(closed.exitReason == .assigned)
            // The account is flat: no options, no shares.
            let held = try await rt.client.holdings().filter {
                $0.quantity != 0 && ($0.isStock || $0.option?.expiry == expiry)
            }
            #expect(held.isEmpty, "\(held)")
            // The share sale came back from IB with its commission; P&L adds up from the fills.
            let fills = try rt.store.orders(positionID: id).flatMap { try rt.store.fills(orderRef: $0.orderRef) }
            let sale = try #require(fills.first { $0.isStock && $0.side == .sold })
            #expect(sale.quantity == 100 && (sale.commission ?? 0) >= 1 && sale.ibOrderId != nil)
            let strikeCost = 100 * (atClose + 3).rounded()
            let expected = credit * 100 - strikeCost + 100 * sale.price - fills.compactMap(\.commission).reduce(0, +)
            #expect(abs((closed.realizedPnL ?? 0) - expected) < 0.05, "\(closed.realizedPnL ?? 0) vs \(expected)")
        }
    }
}
