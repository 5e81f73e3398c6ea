import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore

/// The paper trader, pure of I/O but for its three protocols: a journal (positions, orders, fills,
/// decisions), an execution venue, and stored underlying prices for settlement. Time comes in with
/// every call, so the same inputs make the same decisions: `run` drives it live, replay drives it over
/// stored cycles. Each cycle it settles what expired, manages held positions (mark, exits), then looks
/// for entries (signal, risk, order), journaling every decision in the words `explain` shows. Orders
/// are journaled before they are sent and carry an orderRef, so a restart asks the venue instead of
/// resending.
public actor TradingEngine {
    let journal: any TradingJournal
    let venue: any ExecutionVenue
    let settings: TradingSettings
    let prices: (any UnderlyingPriceHistory)?
    let logger: Logger
    let calendar = MarketCalendar()
    /// Latest mark per held position id.
    var marks: [Int64: PositionMark] = [:]
    /// Last underlying price seen during each symbol's regular session, per day (settlement prices).
    var sessionPrices: [String: [TradingDay: Double]] = [:]
    /// The book's equity at the latest cycle.
    var lastEquity: (day: TradingDay, equity: Double)?
    /// Equity at the previous session's close, for the day it applies to.
    var closeMark: (day: TradingDay, equity: Double)?
    /// Cash the book started with (from the journal, the account, or the settings).
    var startingCash: Double?
    /// The latest picture per symbol, so an operator's close between cycles has quotes to close at.
    var lastPictures: [String: MarketPicture] = [:]
    /// Positions an operator asked to close that are not closed yet: the next cycle tries again first.
    var manualExits: [Int64: ExitReason] = [:]
    /// Whether a cycle or an operator action holds the engine (`TradingEngine+Controls.swift`).
    var turnHeld = false
    /// Callers waiting for the engine, first come first served.
    var turnWaiters: [CheckedContinuation<Void, Never>] = []
    /// Each symbol's latest chain, for the book's greeks.
    var chains: [String: ChainSnapshot] = [:]
    /// Beta to SPY per symbol, estimated once a trading day.
    var betaCache: [String: (day: TradingDay, beta: Double)] = [:]

    /// An engine over a journal, a venue and (for settlement after a restart) stored prices.
    public init(
        journal: any TradingJournal, venue: any ExecutionVenue, settings: TradingSettings,
        prices: (any UnderlyingPriceHistory)? = nil, logger: Logger = Logger(label: "trader")
    ) {
        self.journal = journal
        self.venue = venue
        self.settings = settings
        self.prices = prices
        self.logger = logger
    }

    // MARK: Cycle

    /// One pass over the latest market pictures at market time `now`; an operator's action waits for
    /// it to end (and it for the action), since both read and change the same positions.
    @discardableResult
    public func onCycle(pictures: [MarketPicture], now: Date, killSwitch: Bool = false) async -> TraderCycleReport {
        await acquireTurn()
        defer { releaseTurn() }
        return await cycle(pictures: pictures, now: now, killSwitch: killSwitch)
    }

    func cycle(pictures: [MarketPicture], now: Date, killSwitch: Bool) async -> TraderCycleReport {
        var report = TraderCycleReport()
        let bySymbol = Dictionary(pictures.map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
        for picture in pictures { lastPictures[picture.symbol] = picture }
        rememberSessionPrices(pictures, now: now)
        remember(pictures)
        await resolveInFlight(now: now, report: &report)
        do {
            for position in try journal.positions(status: [.open]) {
                await manage(position, picture: bySymbol[position.symbol], kill: killSwitch, now: now, report: &report)
            }
            for position in try journal.positions(status: [.assigned]) {
                await manageShares(position, picture: bySymbol[position.symbol], now: now, report: &report)
            }
        } catch {
            report.errors.append("positions: \(error)")
        }
        for picture in pictures.sorted(by: { $0.symbol < $1.symbol }) {
            // A stop asked for during the cycle lets the order step under way finish, opens nothing new.
            if Task.isCancelled {
                report.noTrade[picture.symbol] = "stopping: no new entries"
                report.decisions[picture.symbol] = "no trade: stopping"
                continue
            }
            await consider(picture, kill: killSwitch, now: now, report: &report)
        }
        markEquity(now: now)
        return report
    }

    /// Contracts of positions held or in flight for `symbol` (the collector always collects them).
    public func heldContracts(symbol: String) -> [OptionContract] {
        let held = (try? journal.positions(status: [.opening, .open, .closing])) ?? []
        return held.filter { $0.symbol == symbol }.flatMap { $0.legs.map(\.contract) }
    }

    func rememberSessionPrices(_ pictures: [MarketPicture], now: Date) {
        guard calendar.isRegularSession(now) else { return }
        let day = calendar.tradingDay(of: now)
        for p in pictures { if let price = p.price { sessionPrices[p.symbol, default: [:]][day] = price } }
    }

    func manage(
        _ position: PositionRecord, picture: MarketPicture?, kill: Bool, now: Date, report: inout TraderCycleReport
    ) async {
        guard let id = position.id else { return }
        let today = calendar.tradingDay(of: now)
        let mark = picture.flatMap { PositionManagement.mark(position, chain: $0.chain) }
        if let mark { marks[id] = mark }
        // Held past the expiry close: settled at the expiry day's close, no order.
        let expired =
            today > position.expiry
            || (today == position.expiry && calendar.minuteOfDay(now) >= (calendar.closeMinute(on: today) ?? 960))
        if expired {
            switch settle(position, now: now) {
            case .closed:
                report.closed.append(id)
                report.actions.append("settled \(position.title)")
            case .assigned(let shares):
                report.actions.append(
                    String(
                        format: "assigned \(position.title): %@ %.0f \(position.symbol)", shares > 0 ? "long" : "short",
                        abs(shares)))
            case .pending:
                break
            }
            return
        }
        var reasons = PositionManagement.exitReasons(position, mark: mark, today: today, rules: settings.exits)
        if settings.exits.closeBeforeExDividend, let picture,
            let risk = PositionManagement.exDividendRisk(
                position, chain: picture.chain, underlying: picture.price, dividend: picture.nextDividend, today: today,
                calendar: calendar)
        {
            reasons.insert(.exDividend, at: 0)
            journal(
                now, .exitSignal, position.symbol, "position \(id) \(position.title): early assignment risk: \(risk)")
        }
        if let picture,
            let pin = PositionManagement.pinRisk(
                position, chain: picture.chain, underlying: picture.price, today: today,
                expectedMoves: settings.exits.pinRiskExpectedMoves)
        {
            reasons.insert(.pinRisk, at: 0)
            journal(now, .exitSignal, position.symbol, "position \(id) \(position.title): pin risk: \(pin)")
        }
        if kill && settings.flattenOnKill { reasons.insert(.killSwitch, at: 0) }
        if let asked = manualExits[id] { reasons.insert(asked, at: 0) }
        guard !reasons.isEmpty else { return }
        let minute = calendar.minuteOfDay(now)
        guard let reason = reasons.first(where: { settings.exits.allows($0, minute: minute) }) else {
            journal(
                now, .exitDeferred, position.symbol,
                "position \(id) \(position.title): \(reasons[0].rawValue) waits for the exit window")
            return
        }
        guard let mark else {
            let missing =
                picture.map { PositionManagement.unquotedLegs(position, chain: $0.chain) } ?? ["no chain this cycle"]
            journal(
                now, .exitPending, position.symbol,
                "position \(id) \(position.title): \(reason.rawValue) but no quotes to close at (\(missing.joined(separator: ", ")))"
            )
            return
        }
        let rows = picture.map {
            Dictionary($0.chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        if await exit(position, mark: mark, reason: reason, rows: rows ?? [:], now: now) {
            manualExits[id] = nil
            report.closed.append(id)
            report.actions.append("closed \(position.title): \(reason.rawValue)")
        }
    }

    func consider(_ picture: MarketPicture, kill: Bool, now: Date, report: inout TraderCycleReport) async {
        let symbol = picture.symbol
        let explanation: TradeExplanation
        do {
            explanation = try explain(picture, now: now, killSwitch: kill)
        } catch {
            report.errors.append("\(symbol): \(error)")
            journal(now, .error, symbol, "entry failed: \(error)")
            return
        }
        guard let candidate = explanation.candidate else {
            report.noTrade[symbol] = explanation.verdict
            report.decisions[symbol] = "no trade: \(explanation.verdict)"
            let refusedByRisk = explanation.risk.contains { !$0.passed }
            journal(now, refusedByRisk ? .riskRefused : .noTrade, symbol, explanation.verdict)
            return
        }
        if let refusal = await marginRefusal(candidate, now: now) {
            report.noTrade[symbol] = refusal
            report.decisions[symbol] = "no trade: \(refusal)"
            journal(now, .riskRefused, symbol, "risk: \(candidate.structure.rawValue): \(refusal)")
            return
        }
        do {
            if let id = try await open(candidate, now: now) {
                report.opened.append(id)
                let p = try journal.positions(status: [.open]).first { $0.id == id }
                report.actions.append(
                    String(
                        format: "opened position %lld: %@ credit %.2f (mid %.2f), max loss %.2f", id,
                        p?.title ?? symbol, p?.entryCredit ?? candidate.credit, candidate.credit, p?.maxLoss ?? 0))
                report.decisions[symbol] = String(
                    format: "opened %@ @%.2f", p?.title ?? candidate.summary, p?.entryCredit ?? candidate.credit)
            } else {
                report.decisions[symbol] = "entry not filled"
            }
        } catch {
            report.errors.append("\(symbol): \(error)")
            journal(now, .error, symbol, "entry failed: \(error)")
        }
    }

    // MARK: Explain

    /// What the trader would do with `picture` now, each gate in order (the words the journal keeps).
    public func explain(_ picture: MarketPicture, now: Date, killSwitch: Bool) throws -> TradeExplanation {
        if killSwitch {
            let gate = RiskCheck.Gate(
                gate: DecisionGate("kill switch", value: "on", threshold: "off", passed: false),
                refusal: "kill switch is on")
            return TradeExplanation(
                symbol: picture.symbol, time: now, entry: EntryEvaluation(), risk: [gate], verdict: "kill switch is on",
                candidate: nil)
        }
        let entry = EntrySignal.explain(picture, rules: settings.strategy, now: now)
        switch entry.decision {
        case .noTrade(let reason):
            return TradeExplanation(
                symbol: picture.symbol, time: now, entry: entry, risk: [], verdict: reason, candidate: nil)
        case .trade(let found):
            chains[picture.symbol] = picture.chain
            let candidate = withRisk(found, picture: picture, now: now)
            let gates = RiskCheck.gates(
                for: candidate, book: try book(now: now, vix: picture.vix), limits: settings.limits, now: now)
            if let refused = gates.first(where: { !$0.passed }) {
                return TradeExplanation(
                    symbol: picture.symbol, time: now, entry: entry, risk: gates,
                    verdict: "risk: \(candidate.structure.rawValue): \(refused.refusal)", candidate: nil)
            }
            return TradeExplanation(
                symbol: picture.symbol, time: now, entry: entry, risk: gates,
                verdict: String(
                    format: "open %@ (max loss %.2f, breakevens %@%@)", candidate.summary, candidate.maxLoss,
                    candidate.breakevens.map { String(format: "%.2f", $0) }.joined(separator: "/"),
                    candidate.odds.map { "; " + $0.words } ?? ""),
                candidate: candidate)
        }
    }

    // MARK: Book

    /// The book as the risk checks see it: held positions, entries today, and the day's P&L as the
    /// change of equity since the previous session's close.
    func book(now: Date, vix: Double? = nil) throws -> BookState {
        let today = calendar.tradingDay(of: now)
        let all = try journal.positions(status: nil)
        let live = all.filter { $0.isHeld || $0.status == .opening }
        let openedToday = all.filter { p in
            p.status != .unfilled && p.openedAt.map { calendar.tradingDay(of: $0) == today } ?? false
        }.count
        let equity = try summary().equity
        // Before the first close the book has, the day's P&L counts from the starting cash.
        let dayPnL = equity - (try previousCloseEquity(today: today) ?? bookStartingCash())
        var state = BookState(
            open: live.map { p in
                BookPosition(
                    symbol: p.symbol, expiry: p.expiry, maxLoss: p.maxLoss ?? 0,
                    spans: BookPosition.spans(p.legs.map { ($0.contract.right, $0.contract.strike) }))
            }, openedToday: openedToday, dayPnL: dayPnL, killSwitch: false)
        state.greeks = try riskBook(now: now).totals
        state.netLiquidation = equity
        state.heldMargin = live.reduce(0) { $0 + (RegTRequirement.initial(of: $1) ?? 0) }
        state.vix = vix
        return state
    }

    /// Equity at the close of the last session before `today`: kept from the last cycle of that day,
    /// or read back from the journal's equity marks after a restart.
    func previousCloseEquity(today: TradingDay) throws -> Double? {
        if let c = closeMark, c.day == today { return c.equity }
        var found: Double?
        if let last = lastEquity, last.day < today {
            found = last.equity
        } else {
            for e in try journal.recentEvents(limit: 500, kind: .equityMark)
            where calendar.tradingDay(of: e.time) < today {
                found = Self.number(e.data, "equity")
                break
            }
        }
        if let found { closeMark = (today, found) }
        return found
    }

    func markEquity(now: Date) {
        do {
            let equity = try summary().equity
            let day = calendar.tradingDay(of: now)
            if let last = lastEquity, last.day < day, closeMark?.day != day { closeMark = (day, last.equity) }
            lastEquity = (day, equity)
            try journal.append(
                JournalEvent(
                    time: now, kind: .equityMark, symbol: nil, message: String(format: "equity %.2f", equity),
                    data: String(format: "{\"equity\":%.2f}", equity)))
        } catch {
            logger.error("equity mark failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Reporting

    /// The portfolio with the latest marks.
    public func summary() throws -> PortfolioSummary {
        PortfolioSummary.summarize(
            positions: try journal.positions(status: nil), marks: marks.mapValues(\.debit),
            fills: try journal.fills(orderRef: nil), startingCash: try bookStartingCash())
    }

    /// The latest mark of each held position.
    public var currentMarks: [Int64: PositionMark] { marks }

    /// The starting cash the journal recorded (the account's net liquidation at the first reconcile,
    /// or the configured cash of the simulated venue); nil before the first reconcile.
    public static func recordedStartingCash(_ journal: any JournalStore) throws -> Double? {
        try journal.recentEvents(limit: 1, kind: .startingCash).first.flatMap { number($0.data, "cash") }
    }

    func bookStartingCash() throws -> Double {
        if let startingCash { return startingCash }
        let cash = try Self.recordedStartingCash(journal) ?? settings.startingCash
        startingCash = cash
        return cash
    }

    /// Records where the book's cash starts, once (the account's net liquidation at the first reconcile).
    func recordStartingCash(_ cash: Double, source: String, now: Date) throws {
        guard try journal.recentEvents(limit: 1, kind: .startingCash).isEmpty else { return }
        try journal.append(
            JournalEvent(
                time: now, kind: .startingCash, symbol: nil,
                message: String(format: "starting cash %.2f from %@", cash, source),
                data: String(format: "{\"cash\":%.2f}", cash)))
        startingCash = cash
    }

    /// A number from an event's JSON data; nil when the data is not ours (an unreadable mark is
    /// skipped: the one before it, or the starting cash, stands in).
    static func number(_ json: String?, _ key: String) -> Double? {
        guard let json, let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (object[key] as? NSNumber)?.doubleValue
    }

    func journal(_ time: Date, _ kind: JournalKind, _ symbol: String?, _ message: String) {
        do {
            try journal.append(JournalEvent(time: time, kind: kind, symbol: symbol, message: message))
        } catch {
            logger.error("journal write failed", metadata: ["error": "\(error)", "journal.kind": "\(kind)"])
        }
    }
}
