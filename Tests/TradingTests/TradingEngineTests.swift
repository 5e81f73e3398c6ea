import Foundation
import MarketData
import OptionsModel
import SnapshotStore
import Synchronization
import Testing

@testable import Trading

/// A venue that answers from a script: each `execute` takes the next scripted outcome and fills the
/// ticket's legs at their mids for the units it says; `lookup` answers from what was scripted for an
/// orderRef. No sockets, no database.
final class ScriptedVenue: ExecutionVenue {
    enum Step: Sendable {
        /// Fill `units` of the ticket (all when nil) at the legs' mids; fewer than ordered = partial.
        case fill(units: Int? = nil)
        case cancel
        case reject(String)
        /// The send broke off: the venue may have the order.
        case interrupted
    }

    let kind = VenueKind.ibPaper
    private let state = Mutex(
        (
            steps: [Step](), sent: [OrderTicket](), lookups: [String: VenueOrderState](),
            cancelled: [String](), account: VenueAccountState?.none, shareOrders: [ShareOrder]()
        ))

    init(_ steps: [Step] = [], account: VenueAccountState? = nil) {
        state.withLock {
            $0.steps = steps
            $0.account = account
        }
    }

    var sent: [OrderTicket] { state.withLock { $0.sent } }
    var cancelled: [String] { state.withLock { $0.cancelled } }
    func script(_ steps: Step...) { state.withLock { $0.steps += steps } }
    func answer(_ ref: String, _ s: VenueOrderState) { state.withLock { $0.lookups[ref] = s } }

    static func fills(_ ticket: OrderTicket, units: Int, at now: Date) -> [FillRecord] {
        ticket.legs.enumerated().map { i, leg in
            FillRecord(
                execId: "x.\(ticket.orderRef).\(i)", orderRef: ticket.orderRef, ibOrderId: 7, time: now,
                symbol: ticket.symbol, leg: leg.contract.occSymbol, side: FillSide(leg.action),
                quantity: Double(units * leg.ratio), price: ticket.legMids[i], commission: 0.65 * Double(units))
        }
    }

    func execute(_ ticket: OrderTicket, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        let step = state.withLock { s -> Step in
            s.sent.append(ticket)
            return s.steps.isEmpty ? .fill() : s.steps.removeFirst()
        }
        switch step {
        case .fill(let units):
            let n = units ?? ticket.quantity
            let fills = Self.fills(ticket, units: n, at: now)
            let (u, net) = VenueResult.units(of: fills, legs: ticket.legs)
            return VenueResult(
                status: u >= ticket.quantity ? .filled : .partiallyFilled, filledQuantity: u, netPrice: net,
                fills: fills, venueOrderId: 7, account: "DU1")
        case .cancel: return VenueResult(status: .cancelled, message: "unfilled")
        case .reject(let why): throw VenueError.notSent(why)
        case .interrupted: throw VenueError.outcomeUnknown("the connection closed while sending placeOrder")
        }
    }

    func lookup(orderRef: String) async throws -> VenueOrderState {
        state.withLock { $0.lookups[orderRef] ?? .unknown }
    }

    func cancel(orderRef: String) async throws { state.withLock { $0.cancelled.append(orderRef) } }
    func accountState() async throws -> VenueAccountState? { state.withLock { $0.account } }

    /// Share orders fill at once at the order's price, $1 commission.
    func executeShares(_ order: ShareOrder, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        state.withLock { $0.shareOrders.append(order) }
        let fill = FillRecord.shares(
            execId: "x.\(order.orderRef)", orderRef: order.orderRef, ibOrderId: 8, time: now, order: order,
            price: order.price, commission: 1)
        return VenueResult(
            status: .filled, filledQuantity: order.shares, netPrice: order.price, fills: [fill], venueOrderId: 8)
    }

    var shareOrders: [ShareOrder] { state.withLock { $0.shareOrders } }
    func setAccount(_ account: VenueAccountState?) { state.withLock { $0.account = account } }
}

/// The engine's whole lifecycle against an in-memory journal and a scripted venue.
@Suite struct TradingEngineTests {
    let calendar = MarketCalendar()

    var settings: TradingSettings {
        var s = TradingSettings()
        s.strategy.minCreditFraction = 0.2
        s.strategy.quantity = 2
        s.limits.maxRiskPerTrade = 2_000
        s.limits.maxTotalRisk = 10_000
        s.startingCash = 50_000
        return s
    }

    func engine(_ venue: ScriptedVenue, journal: InMemoryTradingJournal = InMemoryTradingJournal())
        -> (TradingEngine, InMemoryTradingJournal)
    {
        (TradingEngine(journal: journal, venue: venue, settings: settings), journal)
    }

    /// The test chain (spot 600, 18% vol, uptrend) at `time`, with every mid scaled by `scale`.
    func picture(at time: Date, spot: Double = 600, vol: Double = 0.18) -> MarketPicture {
        var c = chain(spot: spot, vol: vol)
        c.timestamp = time
        return MarketPicture(
            symbol: "SPY", chain: c, price: spot, atmIV: vol, ivRank: 45, vix: 18, trend: .uptrend,
            source: .simulator, greeksCoverage: 1)
    }

    @Test func opensBooksTheFillAndJournalsTheDecisionInWords() async throws {
        let venue = ScriptedVenue()
        let (e, journal) = engine(venue)
        let report = await e.onCycle(pictures: [picture(at: now)], now: now)
        let id = try #require(report.opened.first, "\(report)")
        let p = try #require(try journal.positions(status: [.open]).first)
        #expect(p.id == id && p.quantity == 2 && p.structure == .bullPutSpread && (p.entryCredit ?? 0) > 1)
        #expect(report.actions.first?.contains("SPY bull put spread") == true)
        let openRef = try #require(p.openOrderRef)
        let order = try #require(try journal.order(ref: openRef))
        #expect(order.status == .filled && order.filledQuantity == 2 && order.purpose == .open)
        // The ticket's re-price floor: never below the 20% credit floor of the $5 width.
        #expect(venue.sent.first?.limitBound == -1.0)
        let opened = try journal.recentEvents(limit: 50, kind: .positionOpened)
        #expect(opened.first?.message.contains("SPY bull put spread") == true)
        // Equity marked after the cycle: cash from the fills less commissions, less the cost to close.
        let marks = try journal.recentEvents(limit: 5, kind: .equityMark)
        #expect(marks.count == 1)
        let summary = try await e.summary()
        #expect(abs(summary.commissions - 2.6) < 1e-9 && summary.openPositions == 1)
    }

    @Test func aPartialFillIsBookedAtItsOwnQuantityAndTheCloseClosesWhatIsHeld() async throws {
        let venue = ScriptedVenue([.fill(units: 1)])
        let (e, journal) = engine(venue)
        let report = await e.onCycle(pictures: [picture(at: now)], now: now)
        let id = try #require(report.opened.first)
        var p = try #require(try journal.positions(status: [.open]).first)
        // One of two units filled: the position holds one, at the price that unit filled at.
        #expect(p.quantity == 1)
        let openRef = try #require(p.openOrderRef)
        let order = try #require(try journal.order(ref: openRef))
        #expect(order.status == .partiallyFilled && order.filledQuantity == 1 && order.quantity == 2)
        let legs = venue.sent[0]
        let credit = legs.legMids[0] - legs.legMids[1]
        #expect(abs((p.entryCredit ?? 0) - credit) < 1e-9)
        #expect(abs((p.maxLoss ?? 0) - (5 - (p.entryCredit ?? 0)) * 100) < 1e-9)
        // Three weeks on, the DTE exit closes exactly the one unit held.
        let later = now.addingTimeInterval(24 * 86_400)
        _ = await e.onCycle(pictures: [picture(at: later)], now: later)
        let close = try #require(venue.sent.last)
        #expect(close.purpose == .close && close.quantity == 1 && close.legs.map(\.action) == [.buy, .sell])
        p = try #require(try journal.positions(status: nil).first { $0.id == id })
        #expect(p.status == .closed && p.exitReason == .dteExit)
    }

    @Test func aPartialCloseKeepsTheRestOpen() async throws {
        let venue = ScriptedVenue([.fill(), .fill(units: 1)])
        let (e, journal) = engine(venue)
        _ = await e.onCycle(pictures: [picture(at: now)], now: now)
        let later = now.addingTimeInterval(24 * 86_400)
        _ = await e.onCycle(pictures: [picture(at: later)], now: later)
        let p = try #require(try journal.positions(status: nil).first)
        #expect(p.status == .open && p.quantity == 1 && p.realizedPnL != nil)
        // The next cycle closes the remaining unit.
        let after = later.addingTimeInterval(300)
        _ = await e.onCycle(pictures: [picture(at: after)], now: after)
        #expect(venue.sent.last?.quantity == 1)
        #expect(try journal.positions(status: [.closed]).count == 1)
    }

    @Test func anUnfilledOpenIsNotATrade() async throws {
        let venue = ScriptedVenue([.cancel])
        let (e, journal) = engine(venue)
        let report = await e.onCycle(pictures: [picture(at: now)], now: now)
        #expect(report.opened.isEmpty)
        let p = try #require(try journal.positions(status: nil).first)
        #expect(p.status == .unfilled && p.note?.contains("cancelled") == true)
        let summary = try await e.summary()
        #expect(summary.closedTrades == 0 && summary.openPositions == 0 && summary.equity == 50_000)
    }

    @Test func aRefusedOrderIsRejectedAndAnInterruptedOneIsResolvedByOrderRefNotResent() async throws {
        let venue = ScriptedVenue([.reject("not all paper accounts"), .interrupted])
        let (e, journal) = engine(venue)
        _ = await e.onCycle(pictures: [picture(at: now)], now: now)
        #expect(try journal.orders(limit: 10).first?.status == .rejected)
        // Next cycle: the send breaks off. The order is `send_unknown`, the position stays `opening`.
        let t1 = now.addingTimeInterval(300)
        _ = await e.onCycle(pictures: [picture(at: t1)], now: t1)
        let unknown = try #require(try journal.orders(limit: 10).first)
        #expect(unknown.status == .sendUnknown)
        #expect(try journal.positions(status: [.opening]).count == 1)
        // The account did get it and filled it: the next cycle books those fills, sends nothing new
        // for it, and opens no second position on top of the first.
        let lastTicket = try #require(venue.sent.last)
        venue.answer(unknown.orderRef, .filled(ScriptedVenue.fills(lastTicket, units: 2, at: t1)))
        let sentBefore = venue.sent.count
        let t2 = t1.addingTimeInterval(300)
        let report = await e.onCycle(pictures: [picture(at: t2)], now: t2)
        let open = try journal.positions(status: [.open])
        #expect(open.count == 1 && open.first?.openOrderRef == unknown.orderRef)
        #expect(try journal.order(ref: unknown.orderRef)?.status == .filled)
        #expect(!venue.sent.dropFirst(sentBefore).contains { $0.orderRef == unknown.orderRef })
        // With the position open, the overlap gate refuses the same strikes again.
        #expect(report.noTrade["SPY"]?.contains("overlaps") == true)
    }

    @Test func everyExitFiresThroughTheSameOrderPath() async throws {
        struct Case {
            let name: String
            let picture: (MarketPicture) -> MarketPicture
            let reason: ExitReason
        }
        let t0 = now
        let venue = ScriptedVenue()
        let (e, journal) = engine(venue)
        _ = await e.onCycle(pictures: [picture(at: t0)], now: t0)
        let p = try #require(try journal.positions(status: [.open]).first)
        let credit = try #require(p.entryCredit)
        func scaled(_ debit: Double, spot: Double = 600, delta: Double = -0.2) -> MarketPicture {
            var pic = picture(at: t0, spot: spot)
            let shorts = Dictionary(uniqueKeysWithValues: p.legs.map { ($0.contract.key, $0.action) })
            for i in pic.chain.options.indices {
                guard let action = shorts[pic.chain.options[i].contract.key] else { continue }
                let mid = action == .sell ? debit : 0
                pic.chain.options[i].quote = Quote(bid: max(0, mid - 0.01), ask: mid + 0.01, openInterest: 1000)
                pic.chain.options[i].greeks.delta = action == .sell ? delta : -0.05
            }
            pic.chain.underlyingPrice = spot
            pic.price = spot
            return pic
        }
        let short = try #require(p.legs.first { $0.action == .sell }).contract.strike
        let cases = [
            Case(name: "take profit", picture: { _ in scaled(credit * 0.4) }, reason: .takeProfit),
            Case(name: "stop loss", picture: { _ in scaled(credit * 2.1) }, reason: .stopLoss),
            Case(name: "breached", picture: { _ in scaled(credit, spot: short - 1) }, reason: .shortStrikeBreached),
            Case(name: "short delta", picture: { _ in scaled(credit, delta: -0.6) }, reason: .shortDelta),
        ]
        for c in cases {
            // Each case reopens the same position from the journal's point of view.
            var fresh = p
            fresh.id = nil
            fresh.openOrderRef = nil
            let id = try journal.insertPosition(fresh)
            let t = t0.addingTimeInterval(600)
            let report = await e.onCycle(pictures: [c.picture(picture(at: t))], now: t)
            #expect(report.closed.contains(id), "\(c.name): \(report)")
            let closed = try #require(try journal.positions(status: nil).first { $0.id == id })
            #expect(closed.status == .closed && closed.exitReason == c.reason, "\(c.name)")
        }
    }

    @Test func profitTakingWaitsForTheExitWindowButAStopDoesNot() async throws {
        let venue = ScriptedVenue()
        let (e, journal) = engine(venue)
        _ = await e.onCycle(pictures: [picture(at: now)], now: now)
        let p = try #require(try journal.positions(status: [.open]).first)
        let credit = try #require(p.entryCredit)
        let opening = calendar.date(calendar.tradingDay(of: now).adding(days: 1), minute: 9 * 60 + 30)
        var cheap = picture(at: opening)
        for i in cheap.chain.options.indices
        where p.legs.contains(where: { $0.contract.key == cheap.chain.options[i].contract.key }) {
            cheap.chain.options[i].quote = Quote(bid: 0, ask: credit * 0.2, openInterest: 1000)
        }
        let report = await e.onCycle(pictures: [cheap], now: opening)
        #expect(!report.closed.contains(p.id ?? 0))
        #expect(try journal.recentEvents(limit: 20, kind: .exitDeferred).first?.message.contains("take_profit") == true)
    }

    @Test func theDailyLossIsTheChangeOfEquitySinceThePreviousClose() async throws {
        var s = settings
        s.limits.dailyLossLimit = 100
        s.limits.maxPositionsPerSymbol = 5
        s.limits.allowOverlappingPositions = true
        let journal = InMemoryTradingJournal()
        let venue = ScriptedVenue()
        let e = TradingEngine(journal: journal, venue: venue, settings: s)
        // Day 1: open at 10:30; by the last cycle the spread has lost value against us (vol up).
        _ = await e.onCycle(pictures: [picture(at: now)], now: now)
        let close = calendar.date(calendar.tradingDay(of: now), minute: 15 * 60 + 55)
        _ = await e.onCycle(pictures: [picture(at: close, vol: 0.30)], now: close)
        // Since entry the position is down more than the limit: a "P&L of positions since entry" rule
        // would halt entries all of day 2.
        #expect(try await e.summary().unrealizedPnL < -100)
        // Day 2: marks unchanged from the close -> the day's P&L is 0, entries allowed, although
        // the position is well below its entry since it was opened.
        let day2 = calendar.date(calendar.tradingDay(of: now).adding(days: 1), minute: 10 * 60 + 30)
        let r2 = await e.onCycle(pictures: [picture(at: day2, vol: 0.30)], now: day2)
        #expect(r2.opened.count == 1, "\(r2)")
        // Later on day 2 a further fall beyond the limit halts entries, with the limit named.
        let day2b = day2.addingTimeInterval(1800)
        let r3 = await e.onCycle(pictures: [picture(at: day2b, vol: 0.40)], now: day2b)

        #expect(r3.noTrade["SPY"]?.contains("daily loss") == true, "\(r3)")
    }

    @Test func reconcileResolvesEveryInFlightOrderAndCancelsOrphans() async throws {
        let journal = InMemoryTradingJournal()
        let legs = [
            LegRecord(
                action: .sell,
                contract: OptionContract(symbol: "SPY", expiry: today.adding(days: 44), strike: 570, right: .put)),
            LegRecord(
                action: .buy,
                contract: OptionContract(symbol: "SPY", expiry: today.adding(days: 44), strike: 565, right: .put)),
        ]
        func inFlight(_ ref: String, status: OrderStatus) throws -> Int64 {
            let id = try journal.insertPosition(
                PositionRecord(
                    symbol: "SPY", structure: .bullPutSpread, status: .opening, quantity: 2,
                    expiry: today.adding(days: 44),
                    legs: legs, maxLoss: 700, openOrderRef: ref))
            try journal.upsertOrder(
                OrderRecord(
                    orderRef: ref, positionID: id, purpose: .open, status: status, limitPrice: -1.5, quantity: 2,
                    legs: legs, venue: .ibPaper, createdAt: now, updatedAt: now))
            return id
        }
        let filled = try inFlight("pt-1-open-1", status: .submitted)
        let working = try inFlight("pt-2-open-1", status: .working)
        let lost = try inFlight("pt-3-open-1", status: .sendUnknown)
        let ticket = OrderTicket(
            orderRef: "pt-1-open-1", symbol: "SPY", purpose: .open, legs: legs, legMids: [2.5, 1.0], quantity: 2,
            mid: -1.5, natural: -1.4)
        var foreign = ScriptedVenue.fills(ticket, units: 2, at: now)
        // Another client's execution on the same order id and contract, under its own orderRef.
        foreign.append(
            FillRecord(
                execId: "other", orderRef: "theirs", ibOrderId: 7, time: now, symbol: "SPY",
                leg: legs[0].contract.occSymbol,
                side: .sold, quantity: 5, price: 9, commission: 1))
        let account = VenueAccountState(
            positions: [legs[0].contract.occSymbol: -2, legs[1].contract.occSymbol: 2],
            workingOrderRefs: ["pt-2-open-1", "pt-9-close-5"], executions: foreign, netLiquidation: 1_000_000)
        let venue = ScriptedVenue(account: account)
        venue.answer("pt-1-open-1", .filled(foreign))
        var partial = ticket
        partial.orderRef = "pt-2-open-1"
        venue.answer("pt-2-open-1", .working(orderId: 8, fills: ScriptedVenue.fills(partial, units: 1, at: now)))
        let e = TradingEngine(journal: journal, venue: venue, settings: settings)
        let report = await e.reconcile(now: now)
        #expect(report.ordersChecked == 3 && report.orphansCancelled == 1)
        let byID = Dictionary(uniqueKeysWithValues: try journal.positions(status: nil).map { ($0.id ?? 0, $0) })
        #expect(byID[filled]?.status == .open && byID[filled]?.quantity == 2)
        #expect(byID[working]?.status == .open && byID[working]?.quantity == 1)
        #expect(byID[lost]?.status == .unfilled)
        // Only our execution booked: the foreign one on the same contract is not ours.
        #expect(try journal.fills(orderRef: nil).allSatisfy { $0.orderRef?.hasPrefix("pt-") == true })
        #expect(Set(venue.cancelled) == ["pt-2-open-1", "pt-9-close-5"])
        // The book's starting cash is the account's net liquidation; recorded once.
        #expect(try await e.summary().startingCash == 1_000_000)
        #expect(try TradingEngine.recordedStartingCash(journal) == 1_000_000)
        let again = await e.reconcile(now: now)
        #expect(again.ordersChecked == 0 && again.fillsRecovered == 0)
    }

    @Test func anUnknownIVRankRefusesByDefaultAndSaysWhy() async throws {
        let venue = ScriptedVenue()
        let (e, journal) = engine(venue)
        var pic = picture(at: now)
        pic.ivRankKnown = false
        let report = await e.onCycle(pictures: [pic], now: now)
        #expect(report.opened.isEmpty)
        #expect(
            report.noTrade["SPY"]
                == "IV rank unknown: fewer than 30 days of IV history (strategy.iv_rank_until_history: refuse)")
        #expect(try journal.recentEvents(limit: 5, kind: .noTrade).first?.message.contains("IV rank unknown") == true)
        // Allowed by configuration: the placeholder stands in, the gate says so.
        var s = settings
        s.strategy.unknownIVRank = .allow
        let allowing = TradingEngine(journal: InMemoryTradingJournal(), venue: ScriptedVenue(), settings: s)
        let explained = try await allowing.explain(pic, now: now, killSwitch: false)
        #expect(explained.entry.gates.first?.value.contains("50.0 stands in") == true && explained.candidate != nil)
    }

    @Test func explainGivesEveryGateAndAgreesWithTheCycle() async throws {
        let venue = ScriptedVenue()
        let (e, journal) = engine(venue)
        let pic = picture(at: now)
        let explanation = try await e.explain(pic, now: now, killSwitch: false)
        #expect(explanation.entry.gates.map(\.name).prefix(4) == ["IV rank", "VIX", "trend", "expiry"])
        #expect(explanation.risk.allSatisfy(\.passed) && explanation.candidate != nil)
        #expect(explanation.verdict.hasPrefix("open bull put spread"))
        let report = await e.onCycle(pictures: [pic], now: now)
        let p = try #require(try journal.positions(status: [.open]).first)
        #expect(
            report.opened.count == 1 && p.legs.map(\.contract) == explanation.candidate?.legs.map(\.option.contract))
        // A refusal: the words the journal keeps are the explanation's verdict.
        var low = pic
        low.ivRank = 12
        let refused = try await e.explain(low, now: now, killSwitch: false)
        _ = await e.onCycle(pictures: [low], now: now.addingTimeInterval(300))
        #expect(try journal.recentEvents(limit: 5, kind: .noTrade).first?.message == refused.verdict)
        #expect(refused.entry.gates.last?.passed == false && refused.entry.gates.last?.name == "IV rank")
    }
}
