import Foundation
import MarketData
import OptionsModel
import SnapshotStore
import Testing

@testable import Trading

/// Expiry: settled at the expiry day's close, physically for SPY — a short leg in the money turns
/// into shares that the next cycle closes — and in cash when both legs deliver (net zero shares).
@Suite struct ExpiryAssignmentTests {
    let calendar = MarketCalendar()
    let base = TradingEngineTests()

    /// A bull put spread x2 opened now, moved in the journal to expire tomorrow, and an engine whose
    /// DTE exits never fire; the expiry day's last cycle saw SPY at `closeOffset` from the short strike.
    func heldToExpiry(venue: ScriptedVenue, closeOffset: Double) async throws -> (
        engine: TradingEngine, journal: InMemoryTradingJournal, position: PositionRecord, short: Double,
        long: Double, tomorrow: TradingDay
    ) {
        let (e, journal) = base.engine(venue)
        _ = await e.onCycle(pictures: [base.picture(at: now)], now: now)
        var p = try #require(try journal.positions(status: [.open]).first)
        let short = try #require(p.legs.first { $0.action == .sell }).contract.strike
        let long = try #require(p.legs.first { $0.action == .buy }).contract.strike
        let tomorrow = calendar.tradingDay(of: now).adding(days: 1)
        p.expiry = tomorrow
        p.legs = p.legs.map { leg in
            var l = leg
            l.contract = OptionContract(
                symbol: "SPY", expiry: tomorrow, strike: leg.contract.strike, right: leg.contract.right)
            return l
        }
        try journal.updatePosition(p)
        var s = base.settings
        s.exits.exitDTE = 0
        s.exits.closeBeforeExpiryDays = 0
        // The expiry day's last cycle: no quotes for the legs (the chain moved on), only the price.
        let lastCycle = calendar.date(tomorrow, minute: 15 * 60 + 55)
        var atClose = base.picture(at: lastCycle, spot: short + closeOffset)
        atClose.chain.options = []
        let e2 = TradingEngine(journal: journal, venue: venue, settings: s)
        _ = await e2.onCycle(pictures: [atClose], now: lastCycle)
        return (e2, journal, p, short, long, tomorrow)
    }

    @Test func anInTheMoneyShortPutIsAssignedAndTheSharesAreSoldAtTheNextCycle() async throws {
        let venue = ScriptedVenue()
        let (e, journal, p, short, _, tomorrow) = try await heldToExpiry(venue: venue, closeOffset: -2)
        let id = try #require(p.id)
        // Next session, and the chain fetch failed: the expiry settles anyway, against the close.
        let next = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 35)
        let r1 = await e.onCycle(pictures: [], now: next)
        let assigned = try #require(try journal.positions(status: [.assigned]).first, "\(r1)")
        #expect(assigned.id == id && r1.actions.contains { $0.contains("assigned") && $0.contains("long 200 SPY") })
        let settleRef = try #require(assigned.closeOrderRef)
        let fills = try journal.fills(orderRef: settleRef)
        // The options leave at zero; the short put delivers 200 shares bought at its strike.
        #expect(fills.filter { !$0.isStock }.allSatisfy { $0.price == 0 && $0.commission == 0 })
        let stock = fills.filter(\.isStock)
        #expect(stock.count == 1 && stock[0].side == .bought && stock[0].quantity == 200 && stock[0].price == short)
        let words = try journal.recentEvents(limit: 20, kind: .assignment)
        #expect(words.first?.message.contains("short \(PositionRecord.strike(short)) put assigned") == true)
        #expect(venue.shareOrders.isEmpty, "no price this cycle: nothing sent")
        // While held, the shares count at their market value: equity moves with SPY.
        let later = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 40)
        let sold = short - 5
        let r2 = await e.onCycle(pictures: [base.picture(at: later, spot: sold)], now: later)
        let order = try #require(venue.shareOrders.first)
        #expect(order.action == .sell && order.shares == 200 && order.symbol == "SPY" && order.price == sold)
        #expect(r2.closed.contains(id), "\(r2)")
        let closed = try #require(try journal.positions(status: [.closed]).first { $0.id == id })
        #expect(closed.exitReason == .assigned && abs((closed.exitDebit ?? 0) - 5) < 1e-9)
        // P&L: the credit, less the strike paid for the shares against what they sold for, less
        // the opening commissions (4 contracts) and the share order's $1.
        let expected = (p.entryCredit ?? 0) * 200 - 5 * 200 - 2.6 - 1
        #expect(abs((closed.realizedPnL ?? 0) - expected) < 0.01, "\(closed.realizedPnL ?? 0) vs \(expected)")
        let summary = try await e.summary()
        #expect(abs(summary.equity - (50_000 + expected)) < 0.01 && summary.openPositions == 0)
        // Reported like every order, by orderRef.
        let shareRecord = try #require(try journal.order(ref: order.orderRef))
        #expect(shareRecord.status == .filled && shareRecord.filledQuantity == 200 && shareRecord.legs.isEmpty)
    }

    @Test func assignedSharesAreMarkedAtTheUnderlyingWhileHeld() async throws {
        let venue = ScriptedVenue()
        let (e, journal, p, short, _, tomorrow) = try await heldToExpiry(venue: venue, closeOffset: -2)
        // Outside the regular session the shares are marked, not sold.
        let early = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60)
        _ = await e.onCycle(pictures: [base.picture(at: early, spot: short - 3)], now: early)
        #expect(venue.shareOrders.isEmpty)
        let held = try #require(try journal.positions(status: [.assigned]).first)
        #expect(held.id == p.id)
        let summary = try await e.summary()
        // Equity = the credit less what the shares lost against the strike (3 per share), less commissions.
        let expected = 50_000 + (p.entryCredit ?? 0) * 200 - 3 * 200 - 2.6
        #expect(abs(summary.equity - expected) < 0.01, "\(summary.equity) vs \(expected)")
        #expect(abs(summary.unrealizedPnL - ((p.entryCredit ?? 0) - 3) * 200) < 0.01)
    }

    @Test func bothLegsInTheMoneyDeliverNoNetSharesAndSettleAtTheWidth() async throws {
        let venue = ScriptedVenue()
        let (e, journal, p, short, long, tomorrow) = try await heldToExpiry(venue: venue, closeOffset: -20)
        let next = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 35)
        let report = await e.onCycle(pictures: [], now: next)
        #expect(report.closed.contains(p.id ?? 0), "\(report)")
        let settled = try #require(try journal.positions(status: [.closed]).first)
        let width = short - long
        #expect(settled.exitReason == .settled && abs((settled.exitDebit ?? 0) - width) < 1e-9)
        let stock = try journal.fills(orderRef: settled.closeOrderRef).filter(\.isStock)
        // The short put buys 200 at its strike, the long put sells 200 at its own: no shares remain.
        #expect(stock.count == 2 && stock.reduce(0) { $0 + $1.shares } == 0)
        #expect(abs((settled.realizedPnL ?? 0) - ((p.entryCredit ?? 0) - width) * 200 + 2.6) < 0.01)
        #expect(venue.shareOrders.isEmpty)
    }

    @Test func outOfTheMoneyAtTheCloseExpiresWorthless() async throws {
        let venue = ScriptedVenue()
        let (e, journal, p, _, _, tomorrow) = try await heldToExpiry(venue: venue, closeOffset: 3)
        let next = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 35)
        _ = await e.onCycle(pictures: [], now: next)
        let settled = try #require(try journal.positions(status: [.closed]).first)
        #expect(settled.exitReason == .settled && settled.exitDebit == 0)
        #expect(abs((settled.realizedPnL ?? 0) - ((p.entryCredit ?? 0) * 200 - 2.6)) < 0.01)
        #expect(try journal.fills(orderRef: settled.closeOrderRef).allSatisfy { !$0.isStock && $0.price == 0 })
    }

    @Test func theAccountMustShowTheAssignedSharesBeforeTheyAreSoldAndReconcileCountsThem() async throws {
        let venue = ScriptedVenue(account: VenueAccountState(positions: [:], workingOrderRefs: [], executions: []))
        let (e, journal, p, short, _, tomorrow) = try await heldToExpiry(venue: venue, closeOffset: -2)
        let next = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 35)
        _ = await e.onCycle(pictures: [base.picture(at: next, spot: short - 1)], now: next)
        // The gateway has not booked the assignment: nothing is sold, and reconcile says so.
        #expect(venue.shareOrders.isEmpty)
        let waiting = try journal.recentEvents(limit: 20, kind: .exitPending)
        #expect(waiting.first?.message.contains("waiting for the account to show the assigned 200 SPY") == true)
        let before = await e.reconcile(now: next)
        #expect(before.mismatches.contains("SPY: journal 200.0, account 0.0"), "\(before.mismatches)")
        // Once the account holds them, reconcile agrees and the next cycle sells them.
        venue.setAccount(VenueAccountState(positions: ["SPY": 200], workingOrderRefs: [], executions: []))
        let after = await e.reconcile(now: next)
        #expect(after.mismatches.isEmpty, "\(after.mismatches)")
        let later = calendar.date(tomorrow.adding(days: 1), minute: 9 * 60 + 40)
        let r = await e.onCycle(pictures: [base.picture(at: later, spot: short - 1)], now: later)
        #expect(venue.shareOrders.count == 1 && r.closed.contains(p.id ?? 0), "\(r)")
    }

    @Test func aShortCallAssignedIsBoughtBack() throws {
        let expiry = try #require(Expiry(year: 2026, month: 3, day: 20))
        let call = { (k: Double) in OptionContract(symbol: "SPY", expiry: expiry, strike: k, right: .call) }
        let p = PositionRecord(
            id: 1, symbol: "SPY", structure: .bearCallSpread, status: .open, quantity: 1, expiry: expiry,
            legs: [LegRecord(action: .sell, contract: call(610)), LegRecord(action: .buy, contract: call(615))])
        let d = PositionManagement.deliveries(p, underlying: 612)
        #expect(d.count == 1 && d[0].shares == -100 && d[0].leg.contract.strike == 610)
        // A cent in the money is exercised; less is not (OCC's exercise by exception).
        #expect(PositionManagement.deliveries(p, underlying: 610.01).count == 1)
        #expect(PositionManagement.deliveries(p, underlying: 610.005).isEmpty)
        // Index options settle in cash: nothing is delivered.
        var spx = p
        spx.symbol = "SPX"
        #expect(PositionManagement.deliveries(spx, underlying: 612).isEmpty)
    }
}

/// Early assignment before an ex-dividend date: the holder of a call in the money exercises it the
/// day before the ex-date when its time value is below the dividend, so the trader closes first.
@Suite struct ExDividendTests {
    let calendar = MarketCalendar()

    /// A bear call spread 590/595 (short call $10 in the money at spot 600) from the test chain.
    func spread(expiry: TradingDay) -> PositionRecord {
        let call = { (k: Double) in OptionContract(symbol: "SPY", expiry: expiry, strike: k, right: .call) }
        return PositionRecord(
            id: 1, symbol: "SPY", structure: .bearCallSpread, status: .open, openedAt: now, quantity: 1, expiry: expiry,
            legs: [LegRecord(action: .sell, contract: call(590)), LegRecord(action: .buy, contract: call(595))],
            entryCredit: 1.0, maxLoss: 400)
    }

    func timeValue(_ chain: ChainSnapshot, strike: Double, expiry: TradingDay) throws -> Double {
        let row = try #require(
            chain.options.first {
                $0.contract.expiry == expiry && $0.contract.strike == strike && $0.contract.right == .call
            })
        return try #require(row.quote.mid) - (600 - strike)
    }

    @Test func aShortCallInTheMoneyWithLessTimeValueThanTheDividendIsAtRiskTheDayBefore() throws {
        let c = chain()
        let expiry = today.adding(days: 21)
        let p = spread(expiry: expiry)
        let tv = try timeValue(c, strike: 590, expiry: expiry)
        let tomorrow = calendar.nextTradingDay(after: today)
        let rich = Dividend(exDate: tomorrow, amount: tv + 0.5)
        let risk = PositionManagement.exDividendRisk(
            p, chain: c, underlying: 600, dividend: rich, today: today, calendar: calendar)
        #expect(risk?.contains("short 590 call in the money by 10.00") == true, "\(risk ?? "nil")")
        // Time value above the dividend: exercising early would throw it away.
        let small = Dividend(exDate: tomorrow, amount: max(0.01, tv - 0.5))
        #expect(
            PositionManagement.exDividendRisk(
                p, chain: c, underlying: 600, dividend: small, today: today, calendar: calendar) == nil)
        // Not yet the last day before the ex-date.
        let later = Dividend(exDate: calendar.nextTradingDay(after: tomorrow), amount: tv + 0.5)
        #expect(
            PositionManagement.exDividendRisk(
                p, chain: c, underlying: 600, dividend: later, today: today, calendar: calendar) == nil)
        // Out of the money: nobody exercises.
        #expect(
            PositionManagement.exDividendRisk(
                p, chain: c, underlying: 580, dividend: rich, today: today, calendar: calendar) == nil)
        // Expiring before the ex-date: the call cannot collect this dividend.
        let afterExpiry = Dividend(exDate: calendar.nextTradingDay(after: expiry), amount: 50)
        #expect(
            PositionManagement.exDividendRisk(
                p, chain: c, underlying: 600, dividend: afterExpiry, today: expiry, calendar: calendar) == nil)
    }

    @Test func theEngineClosesBeforeTheExDateEvenOutsideTheExitWindow() async throws {
        let c = chain()
        let expiry = today.adding(days: 21)
        let journal = InMemoryTradingJournal()
        var p = spread(expiry: expiry)
        p.id = nil
        let id = try journal.insertPosition(p)
        let venue = ScriptedVenue()
        var settings = TradingEngineTests().settings
        settings.exits.exitDTE = 0
        settings.exits.window = (10 * 60 + 30)...(11 * 60)
        let engine = TradingEngine(journal: journal, venue: venue, settings: settings)
        let tv = try timeValue(c, strike: 590, expiry: expiry)
        var pic = picture(c, trend: .neutral)
        pic.nextDividend = Dividend(exDate: calendar.nextTradingDay(after: today), amount: tv + 0.5)
        // 09:40: before the exit window, which a risk exit does not wait for.
        let early = calendar.date(today, minute: 9 * 60 + 40)
        let report = await engine.onCycle(pictures: [pic], now: early)
        #expect(report.closed.contains(id), "\(report)")
        let closed = try #require(try journal.positions(status: [.closed]).first { $0.id == id })
        #expect(closed.exitReason == .exDividend)
        let said = try journal.recentEvents(limit: 30, kind: .exitSignal).map(\.message)
        #expect(said.contains { $0.contains("early assignment risk") && $0.contains("dividend going ex on") })
        // Turned off, the other risk exits (the spread is at a loss, its short strike breached) still
        // close it, each under its own name: the journal says which rule acted.
        let journal2 = InMemoryTradingJournal()
        let id2 = try journal2.insertPosition(p)
        settings.exits.closeBeforeExDividend = false
        _ = await TradingEngine(journal: journal2, venue: ScriptedVenue(), settings: settings)
            .onCycle(pictures: [pic], now: early)
        let other = try journal2.positions(status: [.closed]).first { $0.id == id2 }?.exitReason
        #expect(other != nil && other != .exDividend && other?.isRiskExit == true, "\(String(describing: other))")
    }
}

/// The entry gate on dividends and the expiration-day pin-risk exit.
@Suite struct DividendGateAndPinRiskTests {
    let calendar = MarketCalendar()

    @Test func aShortCallOverTheExDateWithLessTimeValueThanTheDividendIsRefused() throws {
        let c = chain()
        var pic = picture(c, trend: .downtrend)
        var rules = StrategyRules()
        rules.minCreditFraction = 0.2
        let plain = EntrySignal.explain(pic, rules: rules, now: now)
        let opened = try #require(candidate(plain.decision), "\(plain.decision)")
        let short = try #require(opened.legs.first { $0.action == .sell }).option
        let timeValue = try #require(short.quote.mid) - max(0, 600 - short.contract.strike)
        // A dividend larger than the short call's time value, going ex before its expiry: refused.
        pic.nextDividend = Dividend(exDate: today.adding(days: 10), amount: timeValue + 0.25)
        let refused = EntrySignal.explain(pic, rules: rules, now: now)
        #expect(reason(refused.decision)?.hasPrefix("ex-dividend: the short") == true, "\(refused.decision)")
        #expect(refused.gates.last?.name == "ex-dividend" && refused.gates.last?.passed == false)
        // A smaller one, or one after the expiry, or the rule off: the same trade.
        pic.nextDividend = Dividend(exDate: today.adding(days: 10), amount: timeValue - 0.25)
        #expect(candidate(EntrySignal.explain(pic, rules: rules, now: now).decision) != nil)
        pic.nextDividend = Dividend(exDate: opened.expiry.adding(days: 1), amount: 50)
        #expect(candidate(EntrySignal.explain(pic, rules: rules, now: now).decision) != nil)
        pic.nextDividend = Dividend(exDate: today.adding(days: 10), amount: timeValue + 0.25)
        rules.refuseShortCallsOverExDividend = false
        #expect(candidate(EntrySignal.explain(pic, rules: rules, now: now).decision) != nil)
    }

    @Test func onExpirationDayASpotNearAShortStrikeIsClosedAsPinRisk() async throws {
        // The test chain's first expiry is 21 days out: call that day "today" for the position.
        let expiry = today.adding(days: 21)
        let put = { (k: Double) in OptionContract(symbol: "SPY", expiry: expiry, strike: k, right: .put) }
        let p = PositionRecord(
            id: 1, symbol: "SPY", structure: .bullPutSpread, status: .open, openedAt: now, quantity: 1, expiry: expiry,
            legs: [LegRecord(action: .sell, contract: put(600)), LegRecord(action: .buy, contract: put(595))],
            entryCredit: 2.0, maxLoss: 300)
        let c = chain()
        let words = PositionManagement.pinRisk(p, chain: c, underlying: 601, today: expiry, expectedMoves: 0.5)
        #expect(words?.contains("is 1.00 from the short 600 strike") == true, "\(words ?? "nil")")
        // Not on another day, not far from the strike, not when turned off.
        #expect(PositionManagement.pinRisk(p, chain: c, underlying: 601, today: today, expectedMoves: 0.5) == nil)
        #expect(PositionManagement.pinRisk(p, chain: c, underlying: 640, today: expiry, expectedMoves: 0.5) == nil)
        #expect(PositionManagement.pinRisk(p, chain: c, underlying: 601, today: expiry, expectedMoves: 0) == nil)
        // The engine closes it under that name on expiration day (exits by DTE turned off).
        let journal = InMemoryTradingJournal()
        var held = p
        held.id = nil
        let id = try journal.insertPosition(held)
        var settings = TradingEngineTests().settings
        settings.exits.exitDTE = 0
        settings.exits.closeBeforeExpiryDays = 0
        settings.exits.takeProfitPct = 1
        settings.exits.stopLossMultiple = 100
        settings.exits.shortDeltaExit = 1
        let engine = TradingEngine(journal: journal, venue: ScriptedVenue(), settings: settings)
        var pic = picture(c, trend: .neutral)
        pic.price = 601
        let noon = calendar.date(expiry, minute: 12 * 60)
        let report = await engine.onCycle(pictures: [pic], now: noon)
        #expect(report.closed.contains(id), "\(report)")
        #expect(try journal.positions(status: [.closed]).first { $0.id == id }?.exitReason == .pinRisk)
    }
}
