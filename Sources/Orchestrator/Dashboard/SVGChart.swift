import Foundation

/// Inline SVG charts drawn from numbers: a line chart (optionally with the drawdown below the running
/// peak shaded), a bar chart of signed values and a timeline of colored cells. Pure functions of their
/// input; every text goes through `HTML.escape`. Charts scale to their container (viewBox, width 100%).
enum SVGChart {
    /// One line of a line chart.
    struct Series {
        var name: String
        /// CSS class of the line (its color).
        var style: String
        var points: [(x: Double, y: Double)]
        /// Draw a dot at each point (few points: a smile).
        var dots = false
    }

    static let width = 640.0
    static let height = 200.0
    static let left = 56.0
    static let right = 8.0
    static let top = 10.0
    static let bottom = 22.0

    /// A line chart of `series`; with `drawdown`, the first series' fall below its running peak is shaded.
    static func line(
        id: String, title: String, _ series: [Series], drawdown: Bool = false, yRange: ClosedRange<Double>? = nil,
        xLabel: (Double) -> String, yLabel: (Double) -> String
    ) -> String {
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard let xMin = all.map(\.x).min(), let xMax = all.map(\.x).max(), let yLow = all.map(\.y).min(),
            let yHigh = all.map(\.y).max()
        else { return empty(title) }
        var (y0, y1) = yRange.map { ($0.lowerBound, $0.upperBound) } ?? (yLow, yHigh)
        if y1 - y0 < 1e-9 {
            (y0, y1) = (y0 - max(1, abs(y0) * 0.01), y1 + max(1, abs(y1) * 0.01))
        } else if yRange == nil {
            let pad = (y1 - y0) * 0.05
            (y0, y1) = (y0 - pad, y1 + pad)
        }
        let scale = Scale(x0: xMin, x1: xMax, y0: y0, y1: y1)
        var out = open(id: id, title: title)
        out += axes(scale, yLabel: yLabel) + xAxis(scale, xLabel: xLabel)
        if drawdown, let first = series.first, first.points.count > 1 {
            var peak = -Double.infinity
            let peaks = first.points.map { p -> (x: Double, y: Double) in
                peak = max(peak, p.y)
                return (p.x, peak)
            }
            let outline = peaks + first.points.reversed()
            out +=
                "<polygon class=\"drawdown\" points=\"\(outline.map(scale.point).joined(separator: " "))\"><title>drawdown from the running peak</title></polygon>"
        }
        for s in series {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !points.isEmpty else { continue }
            out +=
                "<polyline class=\"line \(HTML.escape(s.style))\" points=\"\(points.map(scale.point).joined(separator: " "))\"><title>\(HTML.escape(s.name))</title></polyline>"
            if s.dots || points.count == 1 {
                for p in points {
                    let (x, y) = scale.xy(p)
                    out += "<circle class=\"dot \(HTML.escape(s.style))\" cx=\"\(f1(x))\" cy=\"\(f1(y))\" r=\"2.5\"/>"
                }
            }
        }
        if series.count > 1 {
            for (i, s) in series.enumerated() {
                let x = left + 8 + Double(i) * 110
                out +=
                    "<text class=\"legend \(HTML.escape(s.style))\" x=\"\(f1(x))\" y=\"\(f1(top + 10))\">\(HTML.escape(s.name))</text>"
            }
        }
        return out + "</svg>"
    }

    /// Bars of signed values (up green, down red) around a zero line, one per value.
    static func bars(id: String, title: String, _ values: [(label: String, value: Double)], yLabel: (Double) -> String)
        -> String
    {
        let finite = values.filter { $0.value.isFinite }
        guard !finite.isEmpty else { return empty(title) }
        let high = max(0, finite.map(\.value).max() ?? 0)
        let low = min(0, finite.map(\.value).min() ?? 0)
        let scale = Scale(x0: 0, x1: Double(finite.count), y0: low, y1: high > low ? high : low + 1)
        var out = open(id: id, title: title)
        out += axes(scale, yLabel: yLabel)
        let slot = (width - left - right) / Double(finite.count)
        let zero = scale.y(0)
        for (i, v) in finite.enumerated() {
            let y = scale.y(v.value)
            let x = left + Double(i) * slot + slot * 0.1
            out +=
                "<rect class=\"bar \(v.value >= 0 ? "up" : "down")\" x=\"\(f1(x))\" y=\"\(f1(min(y, zero)))\" width=\"\(f1(max(0.5, slot * 0.8)))\" height=\"\(f1(max(0.5, abs(zero - y))))\"><title>\(HTML.escape(v.label)): \(HTML.escape(yLabel(v.value)))</title></rect>"
        }
        out +=
            "<line class=\"zero\" x1=\"\(f1(left))\" x2=\"\(f1(width - right))\" y1=\"\(f1(zero))\" y2=\"\(f1(zero))\"/>"
        return out + "</svg>"
    }

    /// A row of cells, one per item, colored by its class, with a tooltip; `heights` (0...1) make
    /// them bars (a cycle's duration) instead of a strip.
    static func timeline(
        id: String, title: String, _ cells: [(style: String, tip: String, height: Double?)], rowHeight: Double = 60
    ) -> String {
        guard !cells.isEmpty else { return empty(title) }
        let h = rowHeight
        var out =
            "<svg class=\"chart timeline\" data-chart=\"\(HTML.escape(id))\" viewBox=\"0 0 \(f1(width)) \(f1(h))\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
        let slot = width / Double(cells.count)
        for (i, c) in cells.enumerated() {
            let cellHeight = c.height.map { max(3, min(1, $0) * (h - 2)) } ?? (h - 2)
            out +=
                "<rect class=\"cell \(HTML.escape(c.style))\" x=\"\(f1(Double(i) * slot))\" y=\"\(f1(h - 1 - cellHeight))\" width=\"\(f1(max(0.5, slot - 0.5)))\" height=\"\(f1(cellHeight))\"><title>\(HTML.escape(c.tip))</title></rect>"
        }
        return out + "</svg>"
    }

    // MARK: Parts

    struct Scale {
        var x0: Double
        var x1: Double
        var y0: Double
        var y1: Double

        func x(_ v: Double) -> Double {
            x1 > x0 ? left + (v - x0) / (x1 - x0) * (width - left - right) : (left + width - right) / 2
        }
        func y(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * (height - top - bottom) }
        func xy(_ p: (x: Double, y: Double)) -> (Double, Double) { (x(p.x), y(p.y)) }
        func point(_ p: (x: Double, y: Double)) -> String { "\(f1(x(p.x))),\(f1(y(p.y)))" }
    }

    static func open(id: String, title: String) -> String {
        "<svg class=\"chart\" data-chart=\"\(HTML.escape(id))\" viewBox=\"0 0 \(f1(width)) \(f1(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
    }

    static func axes(_ s: Scale, yLabel: (Double) -> String) -> String {
        var out = ""
        for i in 0...3 {
            let v = s.y0 + (s.y1 - s.y0) * Double(i) / 3
            let y = s.y(v)
            out +=
                "<line class=\"grid\" x1=\"\(f1(left))\" x2=\"\(f1(width - right))\" y1=\"\(f1(y))\" y2=\"\(f1(y))\"/>"
            out +=
                "<text class=\"axis\" x=\"\(f1(left - 4))\" y=\"\(f1(y + 4))\" text-anchor=\"end\">\(HTML.escape(yLabel(v)))</text>"
        }
        return out
    }

    static func xAxis(_ s: Scale, xLabel: (Double) -> String) -> String {
        let base = height - 6
        return
            "<text class=\"axis\" x=\"\(f1(left))\" y=\"\(f1(base))\">\(HTML.escape(xLabel(s.x0)))</text>"
            + "<text class=\"axis\" x=\"\(f1(width - right))\" y=\"\(f1(base))\" text-anchor=\"end\">\(HTML.escape(xLabel(s.x1)))</text>"
    }

    static func empty(_ title: String) -> String {
        "<p class=\"empty\">\(HTML.escape(title)): no data yet</p>"
    }

    /// One decimal, as SVG coordinates are written: thousands per page, so integer arithmetic rather
    /// than `String(format:)`, which costs microseconds a call on Linux.
    static func f1(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = Int((v * 10).rounded())
        let whole = abs(tenths) / 10
        return (tenths < 0 ? "-" : "") + String(whole) + "." + String(abs(tenths) % 10)
    }
}
