import Foundation
import OptionsModel
import SnapshotStore
import Trading

extension TradingReport {
    /// The report as `papertrader report` prints it: portfolio, open positions, closed trades,
    /// entries never filled, orders, fills.
    public var text: String {
        var lines = [Self.summaryText(summary)]
        let held = positions.filter(\.isHeld)
        let closed = positions.filter { $0.status == .closed }
        let unfilled = positions.filter { $0.status == .unfilled || $0.status == .opening }
        lines.append("\nopen positions (\(held.count))")
        lines.append("id    position                                            credit  mark    pnl       max_loss")
        for p in held {
            let mark = p.id.flatMap { marks[String($0)] }
            let pnl = mark.map { ((p.entryCredit ?? 0) - $0) * 100 * Double(p.quantity) }
            lines.append(
                [
                    pad(String(p.id ?? 0), 6), pad(p.title, 52), pad(money(p.entryCredit), 8), pad(money(mark), 8),
                    pad(money(pnl), 10), money(p.maxLoss),
                ].joined())
        }
        lines.append("\nclosed trades (\(closed.count))")
        lines.append("id    position                                            credit  exit    pnl       reason")
        for p in closed {
            lines.append(
                [
                    pad(String(p.id ?? 0), 6), pad(p.title, 52), pad(money(p.entryCredit), 8),
                    pad(money(p.exitDebit), 8),
                    pad(money(p.realizedPnL), 10), p.exitReason?.rawValue ?? "",
                ].joined())
        }
        if !unfilled.isEmpty {
            lines.append("\nentries that never filled or are still in flight (\(unfilled.count))")
            for p in unfilled {
                lines.append("  \(p.id ?? 0)  \(p.title)  \(p.status.rawValue)  \(p.note ?? "")")
            }
        }
        lines.append("\norders (latest \(orders.count))")
        for o in orders {
            lines.append(
                "  \(o.orderRef)  \(o.purpose.rawValue)  \(o.status.rawValue) \(o.filledQuantity)/\(o.quantity)  limit \(money(o.limitPrice))  \(o.venue.rawValue)  ib id \(o.ibOrderId.map(String.init) ?? "-")  re-prices \(o.repriceCount)"
            )
        }
        lines.append("\nfills (\(fills.count))")
        for f in fills {
            lines.append(
                "  \(f.execId)  \(f.orderRef ?? "-")  \(f.side.rawValue) \(f.quantity.formatted2) \(f.leg) @ \(money(f.price))  commission \(money(f.commission))"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The portfolio block shared by `report` and the end of `run`.
    public static func summaryText(_ s: PortfolioSummary) -> String {
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
