import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import Trading

/// One configuration to replay: a name for the tables, the trader's settings, and how fills are priced.
public struct ReplayConfig: Sendable {
    public var name: String
    public var settings: TradingSettings
    public var fillModel: FillModel

    /// A configuration.
    public init(name: String, settings: TradingSettings, fillModel: FillModel = .midLessSlippage) {
        self.name = name
        self.settings = settings
        self.fillModel = fillModel
    }
}

/// Which stored cycles to replay.
public struct ReplayRange: Sendable, Equatable {
    public var from: Date?
    public var to: Date?
    public var symbols: [String]?

    /// A range; nil bounds are open.
    public init(from: Date? = nil, to: Date? = nil, symbols: [String]? = nil) {
        self.from = from
        self.to = to
        self.symbols = symbols
    }
}

/// What one configuration did over the replayed cycles.
public struct ReplayResult: Sendable, Codable, Equatable {
    /// A point of the equity curve (one per cycle).
    public struct Point: Sendable, Codable, Equatable {
        public var time: String
        public var equity: Double
        /// Below the running peak, in dollars (0 at a new high).
        public var drawdown: Double
    }

    /// A closed (or still open) trade.
    public struct Trade: Sendable, Codable, Equatable {
        public var symbol: String
        public var structure: String
        public var expiry: String
        public var strikes: [Double]
        public var quantity: Int
        public var opened: String?
        public var closed: String?
        public var credit: Double?
        public var exitDebit: Double?
        public var pnl: Double?
        public var exitReason: String?
    }

    public var name: String
    public var fillModel: String
    public var trades: Int
    public var winRate: Double?
    public var totalPnL: Double
    public var averagePnL: Double?
    public var maxDrawdown: Double
    /// Gross profit / gross loss of closed trades; nil without a losing trade.
    public var profitFactor: Double?
    public var averageDaysHeld: Double?
    public var commissions: Double
    /// The most capital at risk (sum of open max losses) at any cycle.
    public var maxCapitalAtRisk: Double
    public var openAtEnd: Int
    public var startingCash: Double
    public var endingEquity: Double
    public var positions: [Trade]
    public var equity: [Point]
    /// Predicted probability of profit against realized wins over the closed trades.
    public var calibration: CalibrationReport?
}

/// Replay's output: every configuration over the same cycles, and where their decisions differ.
public struct ReplayReport: Sendable, Codable, Equatable {
    public var cycles: Int
    public var optionRows: Int
    public var first: String?
    public var last: String?
    public var results: [ReplayResult]
    /// "2026-03-04 10:35 SPY: A opened ...; B no trade: IV rank 28.4 below 30.0" where one opened and
    /// another did not (or opened something else).
    public var differences: [String]
}

/// Runs stored cycles through the same `TradingEngine` the live loop uses, one engine per
/// configuration over the same cycles (read once, one cycle in memory at a time), each with its own
/// in-memory journal and a simulated venue: the store is only read. Deterministic: the same store and
/// configurations give the same report.
public struct Replay: Sendable {
    let store: any StoredCycleReading & UnderlyingPriceHistory
    let logger: Logger

    /// A replay over `store`.
    public init(store: any StoredCycleReading & UnderlyingPriceHistory, logger: Logger = Logger(label: "replay")) {
        self.store = store
        self.logger = logger
    }

    /// The pictures of one stored cycle, as the live loop built them.
    public static func pictures(_ cycle: [(chain: ChainSnapshot, underlying: UnderlyingSnapshot)]) -> [MarketPicture] {
        cycle.map { MarketPicture(stored: $0.chain, underlying: $0.underlying) }
    }

    /// Replays `configs` over the stored cycles of `range`; `progress` gets (done, total) after each.
    public func run(
        _ configs: [ReplayConfig], range: ReplayRange = ReplayRange(),
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ReplayReport {
        let times = try store.storedCycleTimes(from: range.from, to: range.to, symbols: range.symbols)
        // The journal the engine writes is the one it was given; keep it to read the book afterwards.
        var runs: [(config: ReplayConfig, journal: InMemoryTradingJournal, engine: TradingEngine)] = []
        for config in configs {
            let journal = InMemoryTradingJournal()
            runs.append(
                (
                    config, journal,
                    TradingEngine(
                        journal: journal, venue: SimulatedVenue(fillModel: config.fillModel),
                        settings: config.settings, prices: store, logger: logger)
                ))
        }
        var curves = Array(repeating: [ReplayResult.Point](), count: runs.count)
        var peaks = Array(repeating: -Double.infinity, count: runs.count)
        var maxRisk = Array(repeating: 0.0, count: runs.count)
        var differences: [String] = []
        var optionRows = 0
        if let first = times.first {
            for run in runs { _ = await run.engine.reconcile(now: first) }
        }
        for (n, time) in times.enumerated() {
            try Task.checkCancellation()
            let pictures = Self.pictures(try store.storedCycle(at: time, symbols: range.symbols))
            optionRows += pictures.reduce(0) { $0 + $1.chain.options.count }
            var decisions: [[String: String]] = []
            for (i, run) in runs.enumerated() {
                let report = await run.engine.onCycle(pictures: pictures, now: time)
                decisions.append(report.decisions)
                let summary = try await run.engine.summary()
                peaks[i] = max(peaks[i], summary.equity)
                maxRisk[i] = max(maxRisk[i], summary.openRisk)
                curves[i].append(
                    ReplayResult.Point(
                        time: ISOTime.string(time), equity: Self.cents(summary.equity),
                        drawdown: Self.cents(peaks[i] - summary.equity)))
            }
            if runs.count > 1 {
                differences += Self.differences(decisions, names: runs.map(\.config.name), at: time)
            }
            progress?(n + 1, times.count)
        }
        var results: [ReplayResult] = []
        for (i, run) in runs.enumerated() {
            results.append(
                try await Self.result(
                    run.config, journal: run.journal, engine: run.engine, curve: curves[i], maxRisk: maxRisk[i]))
        }
        return ReplayReport(
            cycles: times.count, optionRows: optionRows, first: times.first.map(ISOTime.string),
            last: times.last.map(ISOTime.string), results: results, differences: differences)
    }

    static func cents(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    /// Where one configuration opened and another did not, or opened something else.
    static func differences(_ decisions: [[String: String]], names: [String], at time: Date) -> [String] {
        let symbols = Set(decisions.flatMap(\.keys)).sorted()
        var out: [String] = []
        let calendar = MarketCalendar()
        let day = calendar.tradingDay(of: time), minute = calendar.minuteOfDay(time)
        let stamp = String(format: "%@ %02d:%02d", day.iso, minute / 60, minute % 60)
        for symbol in symbols {
            let words = decisions.map { $0[symbol] ?? "no decision" }
            let opened = words.map { $0.hasPrefix("opened") }
            guard opened.contains(true), Set(words).count > 1 else { continue }
            let parts = zip(names, words).map { "\($0) \($1)" }
            out.append("\(stamp) \(symbol): " + parts.joined(separator: "; "))
        }
        return out
    }

    static func result(
        _ config: ReplayConfig, journal: InMemoryTradingJournal, engine: TradingEngine, curve: [ReplayResult.Point],
        maxRisk: Double
    ) async throws -> ReplayResult {
        let summary = try await engine.summary()
        let positions = try journal.positions(status: nil).filter { $0.status != .unfilled }
        let closed = positions.filter { $0.status == .closed && $0.entryCredit != nil }
        let pnls = closed.compactMap(\.realizedPnL)
        let wins = pnls.filter { $0 > 0 }.reduce(0, +)
        let losses = -pnls.filter { $0 < 0 }.reduce(0, +)
        let held = closed.compactMap { p -> Double? in
            guard let a = p.openedAt, let b = p.closedAt else { return nil }
            return b.timeIntervalSince(a) / 86_400
        }
        return ReplayResult(
            name: config.name, fillModel: config.fillModel.description, trades: closed.count,
            winRate: pnls.isEmpty ? nil : Double(pnls.filter { $0 > 0 }.count) / Double(pnls.count),
            totalPnL: cents(summary.realizedPnL),
            averagePnL: pnls.isEmpty ? nil : cents(pnls.reduce(0, +) / Double(pnls.count)),
            maxDrawdown: cents(curve.map(\.drawdown).max() ?? 0), profitFactor: losses > 0 ? wins / losses : nil,
            averageDaysHeld: held.isEmpty ? nil : held.reduce(0, +) / Double(held.count),
            commissions: cents(summary.commissions), maxCapitalAtRisk: cents(maxRisk), openAtEnd: summary.openPositions,
            startingCash: summary.startingCash, endingEquity: cents(summary.equity),
            positions: positions.map { p in
                ReplayResult.Trade(
                    symbol: p.symbol, structure: p.structure.rawValue, expiry: p.expiry.yyyymmdd,
                    strikes: p.legs.map(\.contract.strike), quantity: p.quantity,
                    opened: p.openedAt.map(ISOTime.string),
                    closed: p.closedAt.map(ISOTime.string), credit: p.entryCredit.map(cents),
                    exitDebit: p.exitDebit.map(cents), pnl: p.realizedPnL.map(cents), exitReason: p.exitReason?.rawValue
                )
            }, equity: curve,
            calibration: CalibrationReport.build(
                positions: closed, opened: try journal.recentEvents(limit: Int.max, kind: .positionOpened)))
    }
}
