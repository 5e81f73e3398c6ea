import AppConfig
import Foundation
import OptionsModel
import SnapshotStore
import Trading

extension DashboardData {
    /// How much one page reads: every series is sampled to these sizes by index seeks.
    public struct Limits: Sendable, Equatable {
        /// Points per symbol's underlying series (IV rank, ATM IV, VIX, trend).
        public var seriesPoints = 300
        /// Points of the equity curve (each stretch keeps its low and its high: up to twice this).
        public var equityPoints = 300
        /// Cycles on the timeline.
        public var cycles = 48
        /// Closed trades listed (all are counted in the bar chart's totals).
        public var closedTrades = 200

        /// The defaults.
        public init() {}
    }

    /// The kinds of journal event that say what the trader decided for a symbol.
    static let decisionKinds: [JournalKind] = [
        .noTrade, .riskRefused, .positionOpened, .positionClosed, .exitSignal, .exitPending, .exitDeferred,
        .orderRefused, .error,
    ]

    /// Gathers the page from the store with bounded queries. Never throws: a section that cannot be
    /// read is left empty and named in `problems`, so the page always renders. `portfolio` and `marks`
    /// come from the running trader when there is one; without them the book is summarized from the
    /// journal and positions are marked against the latest stored chains.
    public static func load(
        store: SQLiteStore, config: PaperTraderConfig, now: Date, portfolio: PortfolioSummary? = nil,
        marks engineMarks: [Int64: PositionMark] = [:], live: LiveState? = nil, limits: Limits = Limits()
    ) -> DashboardData {
        var data = DashboardData(generatedAt: now, storePath: store.path)
        data.live = live
        func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
            do { return try body() } catch {
                data.problems.append("\(what): \(error)")
                return nil
            }
        }
        if let cycles = attempt("cycles", { try store.cycles(limit: limits.cycles) }) {
            data.cycles = cycles.map(summary)
            data.rowsRead["cycles"] = cycles.count
        }
        if let equity = attempt("equity marks", { try store.equitySeries(maxPoints: limits.equityPoints) }) {
            data.equity = equity
            data.rowsRead["equity marks"] = equity.count
        }
        let positions = attempt("positions", { try store.positions(status: nil) }) ?? []
        data.rowsRead["positions"] = positions.count
        let held = positions.filter(\.isHeld)
        if held.contains(where: { $0.status != .assigned }) {
            data.scenarios = attempt("risk scenarios", { try RiskReport.build(store: store, config: config).scenarios })
        }
        var symbols = config.collection.symbols
        for p in held where !symbols.contains(p.symbol) { symbols.append(p.symbol) }
        var chains: [String: ChainSnapshot] = [:]
        // As /health judges it: data ages only while the market is open.
        let inSession = MarketCalendar().isRegularSession(now)
        for symbol in symbols {
            var panel = SymbolPanel(symbol: symbol)
            var latestCycle: Int64?
            if let history = attempt(
                "\(symbol) history", { try store.underlyingSeries(symbol: symbol, maxPoints: limits.seriesPoints) })
            {
                panel.history = history.points
                panel.latest = history.points.last
                data.rowsRead["underlying points", default: 0] += history.points.count
                latestCycle = history.latestCycleID
            }
            if let found = attempt(
                "\(symbol) chain", { try store.latestChain(symbol: symbol, expiryFrom: nil, expiryTo: nil, right: nil) }
            ),
                let chain = found
            {
                chains[symbol] = chain
                data.rowsRead["latest chain rows", default: 0] += chain.options.count
                addCurves(&panel, chain: chain, targetDTE: config.strategy.targetDTE)
            }
            if let found = attempt(
                "\(symbol) decision", { try store.latestEvent(symbol: symbol, kinds: decisionKinds) }),
                let event = found
            {
                panel.decision = event.message
                panel.decisionTime = event.time
                panel.decisionKind = event.kind.rawValue
            }
            data.symbols.append(panel)
            let lastAt = panel.latest?.timestamp
            let age = lastAt.map { now.timeIntervalSince($0) }
            data.freshness.append(
                Freshness(
                    symbol: symbol, lastCycle: latestCycle, lastAt: lastAt, ageSeconds: age,
                    stale: age.map { $0 > Double(config.collection.intervalSeconds) * 3 && inSession } ?? true))
        }
        var marks = engineMarks
        for p in held {
            guard let id = p.id, marks[id] == nil, let chain = chains[p.symbol],
                let mark = PositionManagement.mark(p, chain: chain)
            else { continue }
            marks[id] = mark
        }
        let today = MarketCalendar().tradingDay(of: now)
        let rules = OrchestratorRuntime.traderSettings(config).exits
        data.open = held.map { p in
            openPosition(p, mark: p.id.flatMap { marks[$0] }, chain: chains[p.symbol], today: today, rules: rules)
        }
        let closed = positions.filter { $0.status == .closed && $0.entryCredit != nil }
        data.closed = closed.suffix(limits.closedTrades).map { p in
            ClosedTrade(
                id: p.id ?? 0, title: p.title, openedAt: p.openedAt, closedAt: p.closedAt, pnl: p.realizedPnL ?? 0,
                exitReason: p.exitReason?.rawValue ?? "-")
        }
        data.portfolio =
            portfolio
            ?? attempt("portfolio") {
                PortfolioSummary.summarize(
                    positions: positions, marks: marks.mapValues(\.debit), fills: try store.fills(orderRef: nil),
                    startingCash: try TradingEngine.recordedStartingCash(store) ?? config.execution.startingCash)
            }
        return data
    }

    static func summary(_ c: CollectionCycle) -> CycleSummary {
        CycleSummary(
            id: c.id, startedAt: c.startedAt, status: c.status.rawValue,
            seconds: c.finishedAt.map { $0.timeIntervalSince(c.startedAt) },
            sources: c.sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            rows: c.counts.values.reduce(0, +), errors: c.errors)
    }

    /// The smile (IV by strike, the expiry nearest the strategy's target DTE) and the term structure
    /// (ATM IV by days to expiry) of a chain.
    static func addCurves(_ panel: inout SymbolPanel, chain: ChainSnapshot, targetDTE: Int) {
        let day = MarketCalendar().tradingDay(of: chain.timestamp)
        let spot = chain.underlyingPrice ?? chain.options.first?.underlyingPrice
        panel.spot = spot
        let usable = chain.options.filter { o in
            guard let iv = o.greeks.impliedVolatility else { return false }
            return iv.isFinite && iv > 0
        }
        let expiries = Set(usable.map(\.contract.expiry)).sorted()
        guard
            let smile = expiries.min(by: {
                abs($0.days(since: day) - targetDTE) < abs($1.days(since: day) - targetDTE)
            })
        else { return }
        panel.smileExpiry = smile.yyyymmdd
        for o in usable where o.contract.expiry == smile {
            let point = SymbolPanel.Point(
                x: o.contract.strike, y: o.greeks.impliedVolatility ?? 0,
                label: PositionRecord.strike(o.contract.strike))
            if o.contract.right == .call { panel.smileCalls.append(point) } else { panel.smilePuts.append(point) }
        }
        panel.smileCalls.sort { $0.x < $1.x }
        panel.smilePuts.sort { $0.x < $1.x }
        guard let spot else { return }
        let byExpiry = Dictionary(grouping: usable, by: \.contract.expiry)
        for expiry in expiries {
            guard let rows = byExpiry[expiry],
                let atm = rows.min(by: { abs($0.contract.strike - spot) < abs($1.contract.strike - spot) })
            else { continue }
            let ivs = rows.filter { $0.contract.strike == atm.contract.strike }.compactMap(\.greeks.impliedVolatility)
            panel.term.append(
                SymbolPanel.Point(
                    x: Double(expiry.days(since: day)), y: ivs.reduce(0, +) / Double(max(1, ivs.count)),
                    label: expiry.yyyymmdd))
        }
    }

    static func openPosition(
        _ p: PositionRecord, mark: PositionMark?, chain: ChainSnapshot?, today: TradingDay, rules: ExitRules
    ) -> OpenPosition {
        let spot = mark?.underlying ?? chain?.underlyingPrice
        let legs = p.legs.map { leg in
            var distance: Double?
            if leg.action == .sell, let spot, spot > 0 {
                let k = leg.contract.strike
                distance = leg.contract.right == .put ? (spot - k) / spot : (k - spot) / spot
            }
            return OpenPosition.Leg(
                action: leg.action.rawValue, right: leg.contract.right == .call ? "C" : "P",
                strike: leg.contract.strike, expiry: leg.contract.expiry.yyyymmdd, distanceFromSpot: distance)
        }
        return OpenPosition(
            id: p.id ?? 0, title: p.title, status: p.status.rawValue, legs: legs, entryCredit: p.entryCredit,
            mark: mark?.debit, pnl: mark.map { $0.unrealized(credit: p.entryCredit ?? 0, quantity: p.quantity) },
            daysToExpiry: p.expiry.days(since: today), spot: spot,
            nearestExit: p.status == .assigned
                ? ExitProximity(rule: "assigned", progress: 1, detail: "shares close at the next regular-session cycle")
                : ExitProximity.nearest(p, mark: mark, today: today, rules: rules))
    }
}
