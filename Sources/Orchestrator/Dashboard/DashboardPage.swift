import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// The dashboard as one HTML page: server-rendered, charts as inline SVG, no script (a meta refresh
/// reloads it), responsive CSS inline. A pure function of `DashboardData`: every text from data is
/// escaped, and an empty store or a stopped gateway renders as a state, never as an error.
public enum DashboardPage {
    /// Seconds between automatic reloads.
    public static let refreshSeconds = 30

    /// The page.
    public static func render(_ data: DashboardData) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <title>papertrader dashboard</title>
            <style>\(css)</style></head><body>
            <header><h1>papertrader</h1><p class="meta">as of <time>\(esc(time(data.generatedAt)))</time> · store \
            <code>\(esc(data.storePath))</code> · reloads every \(refreshSeconds) s</p></header>
            <main>
            """
        html += banners(data)
        html += portfolioSection(data)
        html += positionsSection(data)
        html += riskSection(data)
        html += symbolsSection(data)
        html += collectionSection(data)
        html += "</main></body></html>\n"
        return html
    }

    // MARK: Sections

    static func banners(_ data: DashboardData) -> String {
        var out = ""
        if data.isEmpty {
            out +=
                "<p class=\"banner info\" data-state=\"empty\">Nothing stored yet in <code>\(esc(data.storePath))</code>: no cycles, no equity marks, no positions. The first collection cycle fills this page (<code>papertrader run</code> or <code>collect-once</code>).</p>"
        }
        if let live = data.live, !live.connected {
            out +=
                "<p class=\"banner warn\" data-state=\"gateway-down\">Gateway not connected: \(esc(live.gateway)). The service keeps reconnecting; the page shows what the store holds.</p>"
        }
        if data.live?.killSwitch == true {
            out += "<p class=\"banner warn\" data-state=\"kill-switch\">Kill switch is on: new entries are halted.</p>"
        }
        for problem in data.problems {
            out += "<p class=\"banner warn\" data-state=\"problem\">Could not read \(esc(problem))</p>"
        }
        return out
    }

    static func portfolioSection(_ data: DashboardData) -> String {
        var out = "<section id=\"portfolio\"><h2>Portfolio</h2>"
        if let p = data.portfolio {
            let cards: [(String, String, String, Double?)] = [
                ("equity", "Equity", money(p.equity), p.equity),
                ("cash", "Cash", money(p.cash), p.cash),
                ("realized", "Realized P&L", money(p.realizedPnL), p.realizedPnL),
                ("unrealized", "Unrealized P&L", money(p.unrealizedPnL), p.unrealizedPnL),
                ("open-risk", "Open risk", money(p.openRisk), p.openRisk),
                ("win-rate", "Win rate", p.winRate.map { String(format: "%.0f%%", $0 * 100) } ?? "–", p.winRate),
                ("open-positions", "Open positions", "\(p.openPositions)", Double(p.openPositions)),
                ("closed-trades", "Closed trades", "\(p.closedTrades)", Double(p.closedTrades)),
            ]
            out += "<div class=\"cards\">"
            for (key, name, text, value) in cards {
                let raw = value.map { key.hasSuffix("positions") || key.hasSuffix("trades") ? "\(Int($0))" : num($0) }
                let tone = ["realized", "unrealized"].contains(key) ? sign(value ?? 0) : ""
                out +=
                    "<div class=\"card\"><span class=\"label\">\(name)</span><span class=\"value \(tone)\" data-field=\"\(key)\"\(raw.map { " data-value=\"\($0)\"" } ?? "")>\(esc(text))</span></div>"
            }
            out += "</div>"
        } else {
            out += "<p class=\"empty\">The book could not be read (see above).</p>"
        }
        let points = data.equity.map { (x: $0.time.timeIntervalSince1970, y: $0.equity) }
        out += "<h3>Equity, with drawdown from the running peak shaded</h3>"
        out += SVGChart.line(
            id: "equity", title: "Equity",
            [SVGChart.Series(name: "equity", style: "s0", points: points)], drawdown: true,
            xLabel: { day($0) }, yLabel: { money($0, cents: false) })
        if let dd = maxDrawdown(data.equity) {
            out +=
                "<p class=\"note\">Largest drawdown \(esc(money(dd.amount))) (\(String(format: "%.1f%%", dd.fraction * 100))).</p>"
        }
        out += "<h3>P&amp;L of each closed trade</h3>"
        out += SVGChart.bars(
            id: "trade-pnl", title: "Closed trade P&L",
            data.closed.map { (label: "#\($0.id) \($0.title) (\($0.exitReason))", value: $0.pnl) },
            yLabel: { money($0, cents: false) })
        return out + "</section>"
    }

    static func positionsSection(_ data: DashboardData) -> String {
        var out = "<section id=\"positions\"><h2>Open positions</h2>"
        if data.open.isEmpty {
            out += "<p class=\"empty\" data-state=\"no-positions\">No open positions.</p>"
        } else {
            out +=
                "<div class=\"scroll\"><table data-table=\"open-positions\"><thead><tr><th>#</th><th>Position</th><th>Legs (short strike from spot)</th><th>Credit</th><th>Mark</th><th>P&amp;L</th><th>DTE</th><th>Nearest exit</th></tr></thead><tbody>"
            for p in data.open {
                let legs = p.legs.map { l in
                    var text = "\(l.action) \(l.right) \(PositionRecord.strike(l.strike)) \(l.expiry)"
                    if let d = l.distanceFromSpot { text += String(format: " (%+.1f%%)", d * 100) }
                    return esc(text)
                }.joined(separator: "<br>")
                let exit =
                    p.nearestExit.map { e in
                        "<span class=\"\(e.progress >= 1 ? "down" : e.progress >= 0.75 ? "warn" : "")\">\(esc(e.rule)) \(String(format: "%.0f%%", max(0, e.progress) * 100))</span><br><small>\(esc(e.detail))</small>"
                    } ?? "–"
                out +=
                    "<tr data-position=\"\(p.id)\"><td>\(p.id)</td><td>\(esc(p.title))<br><small>\(esc(p.status))\(p.spot.map { String(format: ", spot %.2f", $0) } ?? "")</small></td><td>\(legs)</td><td>\(opt(p.entryCredit))</td><td>\(opt(p.mark))</td><td class=\"\(sign(p.pnl ?? 0))\">\(p.pnl.map { money($0) } ?? "–")</td><td>\(p.daysToExpiry)</td><td>\(exit)</td></tr>"
            }
            out += "</tbody></table></div>"
        }
        out += "<h2>Closed trades</h2>"
        if data.closed.isEmpty {
            out += "<p class=\"empty\">No closed trades yet.</p>"
        } else {
            let shown = data.closed.suffix(25).reversed()
            out +=
                "<div class=\"scroll\"><table data-table=\"closed-trades\"><thead><tr><th>#</th><th>Position</th><th>Opened</th><th>Closed</th><th>P&amp;L</th><th>Exit reason</th></tr></thead><tbody>"
            for t in shown {
                out +=
                    "<tr><td>\(t.id)</td><td>\(esc(t.title))</td><td>\(esc(t.openedAt.map(time) ?? "–"))</td><td>\(esc(t.closedAt.map(time) ?? "–"))</td><td class=\"\(sign(t.pnl))\">\(esc(money(t.pnl)))</td><td>\(esc(t.exitReason))</td></tr>"
            }
            out += "</tbody></table></div>"
            if data.closed.count > shown.count {
                out += "<p class=\"note\">The latest \(shown.count) of \(data.closed.count) shown.</p>"
            }
        }
        return out + "</section>"
    }

    /// The scenario matrix as a heat map: P&L of the open book for each spot move (columns) and IV
    /// shift (rows), now and at the horizon; green gains, red losses, the deeper the larger.
    static func riskSection(_ data: DashboardData) -> String {
        guard let m = data.scenarios, !m.grids.isEmpty else { return "" }
        var out = "<section id=\"risk\"><h2>Risk scenarios</h2>"
        let largest = max(1, m.grids.flatMap { $0.pnl.flatMap { $0 } }.map(abs).max() ?? 1)
        for grid in m.grids {
            out +=
                "<div class=\"scroll\"><table class=\"heat\" data-table=\"scenarios-\(esc(grid.label))\"><caption>\(esc(grid.label)) "
            out += "(\(esc(time(grid.time)))): P&amp;L by spot move and IV shift</caption><tr><th>IV \\ spot</th>"
            for spot in m.spotShifts { out += "<th>\(num(spot * 100, 1))%</th>" }
            out += "</tr>"
            for (i, iv) in m.ivShifts.enumerated() where i < grid.pnl.count {
                out += "<tr><th>\(iv >= 0 ? "+" : "")\(num(iv, 0)) pt</th>"
                for value in grid.pnl[i] {
                    let strength = min(1, abs(value) / largest)
                    let color = value >= 0 ? "22,163,74" : "220,38,38"
                    out +=
                        "<td data-value=\"\(num(value))\" style=\"background:rgba(\(color),\(num(0.12 + 0.6 * strength)))\">"
                    out += "\(money(value, cents: false))</td>"
                }
                out += "</tr>"
            }
            out += "</table></div>"
        }
        return out + "</section>"
    }

    static func symbolsSection(_ data: DashboardData) -> String {
        var out = "<section id=\"symbols\"><h2>Symbols</h2>"
        if data.symbols.isEmpty { out += "<p class=\"empty\">No symbols configured.</p>" }
        for s in data.symbols {
            out += "<article class=\"symbol\" data-symbol=\"\(esc(s.symbol))\"><h3>\(esc(s.symbol))</h3>"
            if let u = s.latest {
                let facts: [(String, String, String?)] = [
                    ("price", "Price", u.price.map { String(format: "%.2f", $0) }),
                    ("iv-rank", "IV rank", u.ivRank.map { String(format: "%.1f", $0) }),
                    ("atm-iv", "ATM IV", u.atmIV.map { String(format: "%.1f%%", $0 * 100) }),
                    ("vix", "VIX", u.vix.map { String(format: "%.2f", $0) }),
                    ("trend", "Trend", u.trend?.rawValue),
                    ("source", "Source", u.source.rawValue),
                ]
                out += "<dl class=\"facts\">"
                for (key, name, value) in facts {
                    let raw = key == "iv-rank" ? u.ivRank.map { " data-value=\"\(num($0, 1))\"" } ?? "" : ""
                    out += "<div><dt>\(name)</dt><dd data-field=\"\(key)\"\(raw)>\(esc(value ?? "–"))</dd></div>"
                }
                out += "</dl><p class=\"note\">latest snapshot \(esc(time(u.timestamp)))</p>"
            } else {
                out += "<p class=\"empty\">Never collected.</p>"
            }
            if let decision = s.decision {
                out +=
                    "<p class=\"decision\" data-field=\"decision\"><strong>Latest decision</strong> (\(esc(s.decisionKind ?? "")), \(esc(s.decisionTime.map(time) ?? "")): \(esc(decision))</p>"
            } else {
                out += "<p class=\"empty\">No decision journaled yet.</p>"
            }
            out += "<div class=\"grid2\">"
            let h = s.history
            let stamps = { (pick: (UnderlyingSnapshot) -> Double?) -> [(x: Double, y: Double)] in
                h.compactMap { u in pick(u).map { (x: u.timestamp.timeIntervalSince1970, y: $0) } }
            }
            out += figure(
                "IV rank over time",
                SVGChart.line(
                    id: "iv-rank-\(s.symbol)", title: "\(s.symbol) IV rank",
                    [SVGChart.Series(name: "IV rank", style: "s0", points: stamps(\.ivRank))], yRange: 0...100,
                    xLabel: { day($0) }, yLabel: { String(format: "%.0f", $0) }))
            out += figure(
                "ATM IV and VIX over time",
                SVGChart.line(
                    id: "iv-vix-\(s.symbol)", title: "\(s.symbol) ATM IV and VIX",
                    [
                        SVGChart.Series(name: "ATM IV %", style: "s1", points: stamps { $0.atmIV.map { $0 * 100 } }),
                        SVGChart.Series(name: "VIX", style: "s2", points: stamps(\.vix)),
                    ], xLabel: { day($0) }, yLabel: { String(format: "%.0f", $0) }))
            out += figure(
                "Trend over time (green up, red down, grey neutral)",
                SVGChart.timeline(
                    id: "trend-\(s.symbol)", title: "\(s.symbol) trend",
                    h.map { u in
                        (
                            style: u.trend?.rawValue ?? "unknown",
                            tip: "\(time(u.timestamp)) \(u.trend?.rawValue ?? "unknown")", height: nil
                        )
                    }, rowHeight: 16))
            out += figure(
                "Smile\(s.smileExpiry.map { " (\($0))" } ?? ""): IV by strike",
                SVGChart.line(
                    id: "smile-\(s.symbol)", title: "\(s.symbol) smile",
                    [
                        SVGChart.Series(
                            name: "calls", style: "s1", points: s.smileCalls.map { (x: $0.x, y: $0.y * 100) },
                            dots: true),
                        SVGChart.Series(
                            name: "puts", style: "s2", points: s.smilePuts.map { (x: $0.x, y: $0.y * 100) }, dots: true),
                    ], xLabel: { String(format: "%.0f", $0) }, yLabel: { String(format: "%.0f%%", $0) }))
            out += figure(
                "Term structure: ATM IV by days to expiry",
                SVGChart.line(
                    id: "term-\(s.symbol)", title: "\(s.symbol) term structure",
                    [
                        SVGChart.Series(
                            name: "ATM IV", style: "s0", points: s.term.map { (x: $0.x, y: $0.y * 100) }, dots: true)
                    ],
                    xLabel: { String(format: "%.0fd", $0) }, yLabel: { String(format: "%.1f%%", $0) }))
            out += "</div></article>"
        }
        return out + "</section>"
    }

    static func collectionSection(_ data: DashboardData) -> String {
        var out = "<section id=\"collection\"><h2>Collection</h2>"
        let longest = max(1, data.cycles.compactMap(\.seconds).max() ?? 1)
        out += figure(
            "Cycles, oldest to newest (height: duration; green ok, amber partial, red failed)",
            SVGChart.timeline(
                id: "cycles", title: "Collection cycles",
                data.cycles.reversed().map { c in
                    (
                        style: c.status,
                        tip:
                            "#\(c.id) \(time(c.startedAt)) \(c.status) \(c.seconds.map { String(format: "%.1f s", $0) } ?? "running") \(c.sources)",
                        height: (c.seconds ?? longest) / longest
                    )
                }))
        if !data.cycles.isEmpty {
            out +=
                "<div class=\"scroll\"><table data-table=\"cycles\"><thead><tr><th>#</th><th>Started</th><th>Status</th><th>Duration</th><th>Rows</th><th>Sources</th><th>Errors</th></tr></thead><tbody>"
            for c in data.cycles.prefix(10) {
                out +=
                    "<tr><td>\(c.id)</td><td>\(esc(time(c.startedAt)))</td><td class=\"st \(esc(c.status))\">\(esc(c.status))</td><td>\(c.seconds.map { String(format: "%.1f s", $0) } ?? "–")</td><td>\(c.rows)</td><td>\(esc(c.sources))</td><td>\(esc(c.errors.joined(separator: "; ")))</td></tr>"
            }
            out += "</tbody></table></div>"
        }
        out +=
            "<h3>Data freshness</h3><div class=\"scroll\"><table data-table=\"freshness\"><thead><tr><th>Symbol</th><th>Last cycle</th><th>At</th><th>Age</th></tr></thead><tbody>"
        for f in data.freshness {
            out +=
                "<tr><td>\(esc(f.symbol))</td><td>\(f.lastCycle.map(String.init) ?? "never")</td><td>\(esc(f.lastAt.map(time) ?? "–"))</td><td class=\"\(f.stale ? "warn" : "")\">\(f.ageSeconds.map(age) ?? "–")</td></tr>"
        }
        out += "</tbody></table></div>"
        out += "<h3>Gateway and sources</h3>"
        if let live = data.live {
            out +=
                "<p data-field=\"gateway\" class=\"\(live.connected ? "up" : "down")\">\(live.connected ? "●" : "○") \(esc(live.gateway))</p><ul class=\"plain\">"
            for b in live.breakers {
                out +=
                    "<li>breaker <strong>\(esc(b.name))</strong>: <span class=\"\(b.state == "closed" ? "up" : "warn")\">\(esc(b.state))</span>\(b.lastError.map { " — last error: \(esc($0))" } ?? "")</li>"
            }
            for farm in live.farms {
                out +=
                    "<li>data farm \(esc(farm.name)): <span class=\"\(farm.ok ? "up" : "down")\">\(farm.ok ? "OK" : "broken")</span></li>"
            }
            out += "</ul>"
            out +=
                live.ibCodes.isEmpty
                ? "<p class=\"note\">No IB codes seen on this connection yet.</p>"
                : "<p class=\"note\">Last IB codes: \(live.ibCodes.map { "\($0.code) (\(esc(clock($0.time))))" }.joined(separator: ", "))</p>"
        } else {
            out += "<p class=\"empty\">Made from the store alone: no running service to ask about the gateway.</p>"
        }
        return out + "</section>"
    }

    // MARK: Helpers

    static func figure(_ caption: String, _ chart: String) -> String {
        "<figure><figcaption>\(esc(caption))</figcaption>\(chart)</figure>"
    }

    /// The largest fall from a running peak, in dollars and as a fraction of that peak.
    static func maxDrawdown(_ points: [EquityPoint]) -> (amount: Double, fraction: Double)? {
        var peak = -Double.infinity
        var worst: (Double, Double)?
        for p in points {
            peak = max(peak, p.equity)
            let fall = peak - p.equity
            if fall > 0, fall > (worst?.0 ?? 0) { worst = (fall, peak > 0 ? fall / peak : 0) }
        }
        return worst
    }

    static func esc(_ text: String) -> String { HTML.escape(text) }
    static func num(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
    static func opt(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "–" }
    static func sign(_ v: Double) -> String { v > 0 ? "up" : v < 0 ? "down" : "" }

    /// Dollars with thousands separators: "-1,234.56".
    static func money(_ v: Double, cents: Bool = true) -> String {
        guard v.isFinite else { return "–" }
        let text = String(format: cents ? "%.2f" : "%.0f", abs(v))
        let parts = text.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        return (v < 0 && text != "0.00" && text != "0" ? "-" : "") + whole + grouped
            + (parts.count > 1 ? "." + parts[1] : "")
    }

    static func time(_ date: Date) -> String { ISOTime.string(date) }
    static func day(_ seconds: Double) -> String {
        String(ISOTime.string(Date(timeIntervalSince1970: seconds)).prefix(10))
    }
    static func clock(_ date: Date) -> String {
        let text = ISOTime.string(date)
        return text.count >= 19 ? String(text.dropFirst(11).prefix(8)) : text
    }
    static func age(_ seconds: Double) -> String {
        seconds < 120
            ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
