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
        let report = try TradingReport.build(store: store, startingCash: TraderSettings().startingCash)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        print(Self.render(report.summary))
        print("\npositions (\(report.positions.count))")
        print("id    symbol  structure         status   expiry    qty  credit  debit   max_loss  pnl       reason")
        for p in report.positions {
            let mark = p.id.flatMap { report.marks[String($0)] }
            print(
                [
                    pad(String(p.id ?? 0), 6), pad(p.symbol, 8), pad(p.structure, 18), pad(p.status.rawValue, 9),
                    pad(p.expiry.yyyymmdd, 10), pad(String(p.quantity), 5), pad(money(p.entryCredit), 8),
                    pad(money(p.exitDebit ?? mark), 8), pad(money(p.maxLoss), 10), pad(money(p.realizedPnL), 10),
                    p.exitReason ?? (mark == nil ? "" : "marked"),
                ].joined())
        }
        print("\norders (latest \(report.orders.count))")
        for o in report.orders {
            print(
                "  \(o.orderRef)  \(o.purpose)  \(o.status)  limit \(money(o.limitPrice))  x\(o.quantity)  \(o.venue)  ib id \(o.ibOrderId.map(String.init) ?? "-")  re-prices \(o.repriceCount)"
            )
        }
        print("\nfills (\(report.fills.count))")
        for f in report.fills {
            print(
                "  \(f.execId)  \(f.orderRef ?? "-")  \(f.side) \(f.quantity.formatted2) \(f.leg) @ \(money(f.price))  commission \(money(f.commission))"
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
