import AppConfig
import ArgumentParser
import Foundation
import OptionsModel
import Orchestrator
import SnapshotStore
import Trading

/// `papertrader report`: positions, orders, fills and P&L from the store.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Positions, orders, fills and P&L of the paper trader.")

    @OptionGroup var config: ConfigOption
    @Flag(help: "One JSON document.") var json = false

    func run() throws {
        let loaded = try config.load()
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: loaded.config.storage.path, readOnly: true)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let report = try TradingReport.build(
            store: store,
            startingCash: try TradingEngine.recordedStartingCash(store) ?? loaded.config.execution.startingCash)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        print(Self.render(report.summary))
        let held = report.positions.filter(\.isHeld)
        let closed = report.positions.filter { $0.status == .closed }
        let unfilled = report.positions.filter { $0.status == .unfilled || $0.status == .opening }
        print("\nopen positions (\(held.count))")
        print("id    position                                            credit  mark    pnl       max_loss")
        for p in held {
            let mark = p.id.flatMap { report.marks[String($0)] }
            let pnl = mark.map { ((p.entryCredit ?? 0) - $0) * 100 * Double(p.quantity) }
            print(
                [
                    pad(String(p.id ?? 0), 6), pad(p.title, 52), pad(money(p.entryCredit), 8), pad(money(mark), 8),
                    pad(money(pnl), 10), money(p.maxLoss),
                ].joined())
        }
        print("\nclosed trades (\(closed.count))")
        print("id    position                                            credit  exit    pnl       reason")
        for p in closed {
            print(
                [
                    pad(String(p.id ?? 0), 6), pad(p.title, 52), pad(money(p.entryCredit), 8),
                    pad(money(p.exitDebit), 8),
                    pad(money(p.realizedPnL), 10), p.exitReason?.rawValue ?? "",
                ].joined())
        }
        if !unfilled.isEmpty {
            print("\nentries that never filled or are still in flight (\(unfilled.count))")
            for p in unfilled {
                print("  \(p.id ?? 0)  \(p.title)  \(p.status.rawValue)  \(p.note ?? "")")
            }
        }
        print("\norders (latest \(report.orders.count))")
        for o in report.orders {
            print(
                "  \(o.orderRef)  \(o.purpose.rawValue)  \(o.status.rawValue) \(o.filledQuantity)/\(o.quantity)  limit \(money(o.limitPrice))  \(o.venue.rawValue)  ib id \(o.ibOrderId.map(String.init) ?? "-")  re-prices \(o.repriceCount)"
            )
        }
        print("\nfills (\(report.fills.count))")
        for f in report.fills {
            print(
                "  \(f.execId)  \(f.orderRef ?? "-")  \(f.side.rawValue) \(f.quantity.formatted2) \(f.leg) @ \(money(f.price))  commission \(money(f.commission))"
            )
        }
    }

    /// The portfolio block shared by `report` and the end of `run`.
    static func render(_ s: PortfolioSummary) -> String {
        [
            "portfolio: cash \(money(s.cash))  equity \(money(s.equity))  realized \(money(s.realizedPnL))  unrealized \(money(s.unrealizedPnL))",
            "           open positions \(s.openPositions)  open risk \(money(s.openRisk))  closed trades \(s.closedTrades)  win rate \(s.winRate.map { String(format: "%.0f%%", $0 * 100) } ?? "-")  avg hold \(s.averageHoldHours.map { String(format: "%.1f h", $0) } ?? "-")  commissions \(money(s.commissions))",
        ].joined(separator: "\n")
    }
}

private func money(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
private func pad(_ s: String, _ n: Int) -> String {
    s.padding(toLength: max(n, s.count + 1), withPad: " ", startingAt: 0)
}
