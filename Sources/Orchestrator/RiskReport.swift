import AppConfig
import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// The risk book of what the journal holds, priced on each symbol's latest stored chain: greeks,
/// beta-weighted delta, max loss and profit, breakevens, and the spot x IV scenario matrix. What
/// `papertrader report --risk` and `/api/risk` show.
public struct RiskReport: Sendable, Codable, Equatable {
    /// The latest stored chain's time among the held symbols (the time the book is priced at).
    public var time: Date
    /// Greeks, max loss and profit, breakevens.
    public var book: RiskBook
    /// Beta to SPY per held symbol (1.0 where the store has too few daily closes).
    public var betas: [String: Double]
    /// The spot x IV grids and payoffs.
    public var scenarios: ScenarioMatrix

    /// Reads the held positions and prices them on the latest stored chains.
    public static func build(store: SQLiteStore, config: PaperTraderConfig) throws -> RiskReport {
        let settings = OrchestratorRuntime.traderSettings(config)
        let held = try store.positions(status: [.open, .closing])
        var chains: [String: ChainSnapshot] = [:]
        for symbol in Set(held.map(\.symbol)).union(["SPY"]).sorted() {
            chains[symbol] = try store.latestChain(symbol: symbol, expiryFrom: nil, expiryTo: nil, right: nil)
        }
        let betas = try Self.betas(
            store: store, symbols: Set(held.map(\.symbol)), lookback: settings.model.betaLookbackDays)
        let time =
            held.compactMap { chains[$0.symbol]?.timestamp }.max() ?? chains["SPY"]?.timestamp ?? Date()
        return RiskReport(
            time: time, book: RiskBook.build(positions: held, chains: chains, betas: betas), betas: betas,
            scenarios: ScenarioMatrix.build(positions: held, chains: chains, now: time, model: settings.model))
    }

    /// Beta to SPY per symbol from the store's daily closes.
    static func betas(store: SQLiteStore, symbols: Set<String>, lookback: Int) throws -> [String: Double] {
        let spy = try store.bars(symbol: "SPY", count: lookback + 1)
        var out: [String: Double] = [:]
        for symbol in symbols {
            out[symbol] =
                symbol == "SPY"
                ? 1
                : Beta.estimate(try store.bars(symbol: symbol, count: lookback + 1), benchmark: spy, lookback: lookback)
                    ?? 1
        }
        return out
    }
}

/// The JSON of the risk routes, for the HTTP server to mount (`/api/risk`, `/api/risk/scenarios`).
public enum RiskAPI {
    /// `/api/risk`: the book with its scenarios.
    public static func risk(store: SQLiteStore, config: PaperTraderConfig) throws -> RiskReport {
        try RiskReport.build(store: store, config: config)
    }

    /// `/api/risk/scenarios`: the scenario matrix and payoffs alone.
    public static func scenarios(store: SQLiteStore, config: PaperTraderConfig) throws -> ScenarioMatrix {
        try RiskReport.build(store: store, config: config).scenarios
    }

    /// `report --calibration`: predicted POP against realized wins over the journal's closed trades.
    public static func calibration(store: SQLiteStore) throws -> CalibrationReport {
        CalibrationReport.build(
            positions: try store.positions(status: [.closed]),
            opened: try store.recentEvents(limit: 100_000, kind: .positionOpened))
    }
}

extension StoreReader {
    /// `report --risk`: the risk book and its scenarios.
    public func riskReport(config: PaperTraderConfig) throws -> RiskReport {
        try RiskAPI.risk(store: store, config: config)
    }

    /// `report --calibration`.
    public func calibrationReport() throws -> CalibrationReport {
        try RiskAPI.calibration(store: store)
    }
}

extension RiskReport {
    /// The book as `papertrader report --risk` prints it.
    public var text: String {
        func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
        func pad(_ s: String, _ n: Int) -> String {
            s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
        }
        var lines = ["risk book at \(ISOTime.string(time)) (\(book.positions.count) positions)"]
        lines.append(
            "  " + pad("id", 5) + pad("position", 50) + pad("delta", 9) + pad("gamma", 9) + pad("theta", 9)
                + pad("vega", 9) + pad("bw delta", 10) + pad("max loss", 10) + pad("max profit", 11) + "breakevens")
        for p in book.positions {
            let g = p.greeks
            lines.append(
                "  " + pad(String(p.id ?? 0), 5) + pad(p.title, 50) + pad(f(g.delta), 9) + pad(f(g.gamma, 3), 9)
                    + pad(f(g.theta), 9) + pad(f(g.vega), 9) + pad(f(g.betaWeightedDelta), 10) + pad(f(p.maxLoss), 10)
                    + pad(f(p.maxProfit), 11) + p.breakevens.map { f($0) }.joined(separator: "/")
                    + (p.unpriced.isEmpty ? "" : "  (no greeks: \(p.unpriced.joined(separator: ", ")))"))
        }
        let t = book.totals
        lines.append(
            "  " + pad("", 5) + pad("total", 50) + pad(f(t.delta), 9) + pad(f(t.gamma, 3), 9) + pad(f(t.theta), 9)
                + pad(f(t.vega), 9) + pad(f(t.betaWeightedDelta), 10) + pad(f(book.maxLoss), 10)
                + pad(f(book.maxProfit), 11))
        lines.append(
            "  betas to SPY: "
                + (betas.isEmpty
                    ? "-" : betas.keys.sorted().map { "\($0) \(f(betas[$0] ?? 1))" }.joined(separator: ", ")))
        lines.append(
            "  max loss by expiry: "
                + (book.maxLossByExpiry.isEmpty
                    ? "-"
                    : book.maxLossByExpiry.keys.sorted().map { "\($0) \(f(book.maxLossByExpiry[$0] ?? 0))" }
                        .joined(separator: ", ")))
        lines.append(
            "  max loss by underlying: "
                + (book.maxLossByUnderlying.isEmpty
                    ? "-"
                    : book.maxLossByUnderlying.keys.sorted().map { "\($0) \(f(book.maxLossByUnderlying[$0] ?? 0))" }
                        .joined(separator: ", ")))
        for grid in scenarios.grids {
            lines.append(
                "\nscenario P&L \(grid.label) (\(ISOTime.string(grid.time))): rows IV change, columns spot change")
            lines.append(
                "  " + pad("IV \\ spot", 10)
                    + scenarios.spotShifts.map { pad(String(format: "%+.1f%%", $0 * 100), 10) }.joined())
            for (i, row) in grid.pnl.enumerated() {
                let iv = i < scenarios.ivShifts.count ? scenarios.ivShifts[i] : 0
                lines.append("  " + pad(String(format: "%+.0f pt", iv), 10) + row.map { pad(f($0), 10) }.joined())
            }
        }
        for payoff in scenarios.payoffs {
            let points = payoff.points.enumerated().filter { $0.offset % 5 == 0 }.map {
                "\(f($0.element.price)): \(f($0.element.pnl))"
            }
            lines.append("\npayoff at expiry \(payoff.title): " + points.joined(separator: ", "))
        }
        for note in scenarios.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }
}

extension CalibrationReport {
    /// The report as a table.
    public var text: String {
        var lines = [
            String(
                format: "calibration: %d closed trades with a predicted POP (%d without)", trades, withoutPrediction)
        ]
        if let p = predictedPOP, let w = realizedWinRate {
            lines.append(String(format: "  all: predicted POP %.0f%%, realized win rate %.0f%%", p * 100, w * 100))
        }
        lines.append("  grouping     bucket       trades  predicted  realized")
        for r in rows {
            lines.append(
                String(
                    format: "  %@ %@ %6d  %8.0f%%  %7.0f%%",
                    r.grouping.padding(toLength: 12, withPad: " ", startingAt: 0),
                    r.bucket.padding(toLength: 12, withPad: " ", startingAt: 0), r.trades, r.predictedPOP * 100,
                    r.realizedWinRate * 100))
        }
        return lines.joined(separator: "\n")
    }
}
