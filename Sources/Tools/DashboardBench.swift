import Foundation
import OptionsModel
import SnapshotStore

/// The dashboard benchmark of `papertrader bench dashboard`: a year of stored cycles, written
/// synthetically and quickly (bulk writes of cycles, underlying rows and journal events, a few hundred
/// closed positions, a realistic chain per symbol only for the latest cycle, where the page reads
/// one), then the page's gathering and rendering timed over several runs. The page itself lives in
/// Orchestrator, which this target does not import: the caller hands in the renderer.
public struct DashboardBench: Sendable {
    /// Trading days of history.
    public var days = 252
    /// Closed positions spread over the year.
    public var closedPositions = 300
    /// Timed renders.
    public var runs = 20
    /// The symbols collected each cycle.
    public var symbols = ["SPY", "QQQ", "IWM"]

    /// A year, 300 closed trades, 20 runs.
    public init() {}

    /// One render: the page's size in bytes and the rows it read per series.
    public typealias Render = () throws -> (bytes: Int, rowsRead: [String: Int])

    /// Writes the history into `path` when it holds no cycles, opens a renderer on it with
    /// `prepare`, and returns the report's lines.
    public func run(path: String, prepare: (String) throws -> Render) throws -> [String] {
        var lines: [String] = []
        let store = try SQLiteStore(path: path)
        if try store.cycles(limit: 1).isEmpty {
            let t0 = ContinuousClock.now
            try write(store)
            lines.append(
                String(format: "wrote %d trading days into %@ in %.1f s", days, path, seconds(ContinuousClock.now - t0))
            )
        } else {
            lines.append("using the history already in \(path) (delete it to write a new one)")
        }
        let counts = try store.dashboardRowCounts()
        lines.append(
            "store: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let render = try prepare(path)
        var samples: [Double] = []
        var last: (bytes: Int, rowsRead: [String: Int]) = (0, [:])
        for _ in 0..<max(1, runs) {
            let t = ContinuousClock.now
            last = try render()
            samples.append(seconds(ContinuousClock.now - t) * 1000)
        }
        samples.sort()
        lines.append(
            String(
                format:
                    "dashboard (load + render) over %d runs: median %.1f ms, max %.1f ms (target < 300 ms), page %d bytes",
                samples.count, samples[samples.count / 2], samples[samples.count - 1], last.bytes))
        lines.append(
            "rows read per page: "
                + last.rowsRead.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        return lines
    }

    /// The synthetic year: cycles every five minutes of each regular session, three underlying rows
    /// and an equity mark and a decision per symbol each cycle, closed positions with their fills.
    func write(_ store: SQLiteStore) throws {
        let calendar = MarketCalendar()
        var day = calendar.tradingDay(of: Date(timeIntervalSince1970: 1_772_805_600))  // 2026-03-06, a Friday
        var sessions: [TradingDay] = []
        while sessions.count < days {
            if calendar.isTradingDay(day) { sessions.append(day) }
            day = calendar.previousTradingDay(before: day)
        }
        sessions.reverse()
        var cycles: [CollectionCycle] = []
        var underlyings: [(cycleID: Int64, snapshot: UnderlyingSnapshot)] = []
        var events: [JournalEvent] = []
        var rng = SplitMix(seed: 7)
        var prices = Dictionary(
            uniqueKeysWithValues: symbols.enumerated().map { ($0.element, 200.0 + 200 * Double($0.offset)) })
        var equity = 100_000.0
        var id: Int64 = 0
        for session in sessions {
            let close = calendar.closeMinute(on: session) ?? 960
            for minute in stride(from: 9 * 60 + 30, to: close, by: 5) {
                id += 1
                let time = calendar.date(session, minute: minute)
                let roll = rng.next() % 200
                let status: CycleStatus = roll == 0 ? .failed : roll < 4 ? .partial : .ok
                cycles.append(
                    CollectionCycle.finished(
                        id: id, startedAt: time,
                        finishedAt: time.addingTimeInterval(9 + Double(rng.next() % 600) / 100),
                        status: status, counts: Dictionary(uniqueKeysWithValues: symbols.map { ($0, 480) }),
                        sources: Dictionary(uniqueKeysWithValues: symbols.map { ($0, roll == 1 ? "polygon" : "ib") }),
                        errors: status == .ok ? [] : ["\(symbols[0]): snapshot timed out"]))
                let phase = Double(id) / 2000
                for symbol in symbols {
                    let price = (prices[symbol] ?? 100) * (1 + (Double(rng.next() % 2001) - 1000) / 1_000_000)
                    prices[symbol] = price
                    underlyings.append(
                        (
                            id,
                            UnderlyingSnapshot(
                                symbol: symbol, timestamp: time, price: price, vix: 16 + 4 * sin(phase),
                                trend: sin(phase * 3) > 0.3 ? .uptrend : sin(phase * 3) < -0.3 ? .downtrend : .neutral,
                                ivRank: 50 + 45 * sin(phase * 2), atmIV: 0.18 + 0.05 * sin(phase), source: .ib)
                        ))
                    events.append(
                        JournalEvent(
                            time: time, kind: .noTrade, symbol: symbol,
                            message: String(format: "IV rank %.1f below 30", 50 + 45 * sin(phase * 2))))
                }
                equity += (Double(rng.next() % 2001) - 990) / 10
                events.append(
                    JournalEvent(
                        time: time, kind: .equityMark, message: String(format: "equity %.2f", equity),
                        data: String(format: "{\"equity\":%.2f}", equity)))
            }
        }
        try store.bulkLoad(cycles: cycles, underlyings: underlyings, events: events)
        try writePositions(store, sessions: sessions, rng: &rng)
        // The latest cycle's chains: the page reads only these (smile, term structure, marks).
        guard let latest = cycles.last else { return }
        for symbol in symbols {
            let spot = prices[symbol] ?? 100
            try store.recordSymbol(
                cycleID: latest.id, chain: Self.chain(symbol, at: latest.startedAt, spot: spot),
                underlying: UnderlyingSnapshot(
                    symbol: symbol, timestamp: latest.startedAt, price: spot, vix: 18, trend: .neutral, ivRank: 55,
                    atmIV: 0.2, source: .ib))
        }
    }

    func writePositions(_ store: SQLiteStore, sessions: [TradingDay], rng: inout SplitMix) throws {
        let calendar = MarketCalendar()
        for n in 0..<(closedPositions + 2) {
            let symbol = symbols[n % symbols.count]
            let held = n >= closedPositions
            let opened = sessions[
                min(sessions.count - 1, held ? sessions.count - 1 : n * sessions.count / max(1, closedPositions))]
            let openedAt = calendar.date(opened, minute: 10 * 60 + 5 * (n % 60))
            let expiry = opened.adding(days: 45)
            let short = (200.0 + 200 * Double(n % symbols.count)) * 0.95
            let legs = [
                LegRecord(
                    action: .sell,
                    contract: OptionContract(symbol: symbol, expiry: expiry, strike: short.rounded(), right: .put),
                    entryPrice: 1.6),
                LegRecord(
                    action: .buy,
                    contract: OptionContract(symbol: symbol, expiry: expiry, strike: short.rounded() - 5, right: .put),
                    entryPrice: 0.4),
            ]
            let win = rng.next() % 10 < 7
            let exitDebit = win ? 0.6 : 2.4
            let pnl = (1.2 - exitDebit) * 100 - 2.6
            let closedAt = openedAt.addingTimeInterval(86_400 * 9)
            let positionID = try store.insertPosition(
                PositionRecord(
                    symbol: symbol, structure: .bullPutSpread, status: held ? .open : .closed, openedAt: openedAt,
                    closedAt: held ? nil : closedAt, quantity: 1, expiry: expiry, legs: legs, entryCredit: 1.2,
                    exitDebit: held ? nil : exitDebit, maxLoss: 380, realizedPnL: held ? nil : pnl,
                    exitReason: held ? nil : win ? .takeProfit : .stopLoss, openOrderRef: "pt-\(n)-open",
                    closeOrderRef: held ? nil : "pt-\(n)-close"))
            try store.insertFill(
                FillRecord(
                    execId: "bench-\(n)-o", orderRef: "pt-\(positionID)-open", ibOrderId: nil, time: openedAt,
                    symbol: symbol, leg: "\(symbol) spread", side: .sold, quantity: 1, price: 1.2, commission: 1.3))
            if !held {
                try store.insertFill(
                    FillRecord(
                        execId: "bench-\(n)-c", orderRef: "pt-\(positionID)-close", ibOrderId: nil, time: closedAt,
                        symbol: symbol, leg: "\(symbol) spread", side: .bought, quantity: 1, price: exitDebit,
                        commission: 1.3))
            }
        }
    }

    /// A chain of four expiries, 30 strikes either side of spot, calls and puts, with a put skew.
    static func chain(_ symbol: String, at time: Date, spot: Double) -> ChainSnapshot {
        let day = MarketCalendar().tradingDay(of: time)
        var options: [OptionQuote] = []
        for (e, dte) in [14, 30, 45, 60].enumerated() {
            let expiry = day.adding(days: dte)
            for i in -30...30 {
                let strike = (spot * (1 + Double(i) * 0.005)).rounded()
                for right in [OptionRight.call, .put] {
                    let m = (strike - spot) / spot
                    let iv = 0.18 + 0.004 * Double(e) - 0.4 * m + 1.5 * m * m
                    options.append(
                        OptionQuote(
                            contract: OptionContract(symbol: symbol, expiry: expiry, strike: strike, right: right),
                            quote: Quote(bid: 1.0, ask: 1.1, volume: 100, openInterest: 1000),
                            greeks: Greeks(impliedVolatility: iv, delta: right == .call ? 0.5 - m * 5 : -0.5 - m * 5),
                            underlyingPrice: spot, source: .ib))
                }
            }
        }
        return ChainSnapshot(symbol: symbol, timestamp: time, underlyingPrice: spot, options: options, source: .ib)
    }
}
