import Foundation
import Trading

/// The comparison table and the decision differences as text.
public enum ReplayText {
    /// The report for a terminal.
    public static func render(_ r: ReplayReport, maxDifferences: Int = 20) -> String {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        var lines = [
            "replayed \(r.cycles) cycles (\(r.optionRows) option rows) from \(r.first ?? "-") to \(r.last ?? "-")",
            "",
        ]
        let header = [
            "config", "trades", "win rate", "total P&L", "avg P&L", "max DD", "profit f.", "days held", "commissions",
            "max risk", "open", "equity",
        ]
        var rows = [header]
        for x in r.results {
            rows.append([
                x.name, String(x.trades), f(x.winRate.map { $0 * 100 }, "%.0f%%"), f(x.totalPnL, "%.2f"),
                f(x.averagePnL, "%.2f"), f(x.maxDrawdown, "%.2f"), f(x.profitFactor, "%.2f"),
                f(x.averageDaysHeld, "%.1f"), f(x.commissions, "%.2f"), f(x.maxCapitalAtRisk, "%.0f"),
                String(x.openAtEnd), f(x.endingEquity, "%.2f"),
            ])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { i, cell in cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0) }
                    .joined())
        }
        for x in r.results {
            guard let c = x.calibration, let pop = c.predictedPOP, let won = c.realizedWinRate else { continue }
            lines.append(
                String(
                    format: "calibration %@: predicted POP %.0f%%, realized win rate %.0f%% over %d closed trades",
                    x.name,
                    pop * 100, won * 100, c.trades))
        }
        if !r.differences.isEmpty {
            lines.append("")
            lines.append(
                "decision differences (\(r.differences.count)\(r.differences.count > maxDifferences ? ", first \(maxDifferences)" : "")):"
            )
            lines += r.differences.prefix(maxDifferences).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// A self-contained HTML report: the comparison table, each configuration's equity curve and
/// drawdown as inline SVG, and the decision differences. No script, no network.
public enum ReplayHTML {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    /// The document.
    public static func render(_ r: ReplayReport) -> String {
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>papertrader replay</title><style>
            body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
            td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
            svg{max-width:100%;height:auto;border:1px solid #eee}li{font-family:monospace;font-size:.85rem}
            </style></head><body>
            <h1>Replay</h1><p>\(r.cycles) cycles, \(r.optionRows) option rows, \(escape(r.first ?? "-")) to \(escape(r.last ?? "-"))</p>
            <table><tr><th>config</th><th>fills</th><th>trades</th><th>win rate</th><th>total P&amp;L</th><th>avg P&amp;L</th><th>max drawdown</th><th>profit factor</th><th>days held</th><th>commissions</th><th>max risk</th><th>equity</th></tr>
            """
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        for (i, x) in r.results.enumerated() {
            html +=
                "<tr><td><span style=\"color:\(colors[i % colors.count])\">&#9632;</span> \(escape(x.name))</td><td>\(escape(x.fillModel))</td><td>\(x.trades)</td><td>\(f(x.winRate.map { $0 * 100 }, "%.0f%%"))</td><td>\(f(x.totalPnL, "%.2f"))</td><td>\(f(x.averagePnL, "%.2f"))</td><td>\(f(x.maxDrawdown, "%.2f"))</td><td>\(f(x.profitFactor, "%.2f"))</td><td>\(f(x.averageDaysHeld, "%.1f"))</td><td>\(f(x.commissions, "%.2f"))</td><td>\(f(x.maxCapitalAtRisk, "%.0f"))</td><td>\(f(x.endingEquity, "%.2f"))</td></tr>\n"
        }
        html += "</table><h2>Equity</h2>" + chart(r.results.map { $0.equity.map(\.equity) }, height: 260, fill: false)
        html += "<h2>Drawdown</h2>" + chart(r.results.map { $0.equity.map { -$0.drawdown } }, height: 140, fill: true)
        html += "<h2>Decision differences (\(r.differences.count))</h2><ul>"
        for d in r.differences.prefix(500) { html += "<li>\(escape(d))</li>" }
        html += "</ul></body></html>\n"
        return html
    }

    /// One polyline (or filled area) per series over a shared scale.
    static func chart(_ series: [[Double]], height: Double, fill: Bool) -> String {
        let width = 900.0, pad = 40.0
        let all = series.flatMap { $0 }
        guard let low = all.min(), let high = all.max(), let count = series.map(\.count).max(), count > 1 else {
            return "<p>no cycles</p>"
        }
        let span = high - low > 1e-9 ? high - low : 1
        func x(_ i: Int) -> Double { pad + Double(i) / Double(count - 1) * (width - 2 * pad) }
        func y(_ v: Double) -> Double { height - pad / 2 - (v - low) / span * (height - pad) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += String(
            format:
                "<text x=\"2\" y=\"12\" font-size=\"10\">%.0f</text><text x=\"2\" y=\"%.0f\" font-size=\"10\">%.0f</text>",
            high, height - 4, low)
        for (i, s) in series.enumerated() {
            let points = s.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }
            let color = colors[i % colors.count]
            if fill {
                let base =
                    String(format: "%.1f,%.1f", x(s.count - 1), y(min(0, high))) + " "
                    + String(format: "%.1f,%.1f", x(0), y(min(0, high)))
                svg +=
                    "<polygon points=\"\(points.joined(separator: " ")) \(base)\" fill=\"\(color)\" fill-opacity=\"0.25\" stroke=\"\(color)\"/>"
            } else {
                svg +=
                    "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
            }
        }
        return svg + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
