import Trading

/// What the trader did in a cycle, one line each.
public enum TraderLines {
    /// One line per action, no-trade reason and error; empty when the trader did nothing.
    public static func render(_ t: TraderCycleReport) -> String {
        var lines: [String] = []
        for action in t.actions { lines.append("  trader: \(action)") }
        for (symbol, why) in t.noTrade.sorted(by: { $0.key < $1.key }) {
            lines.append("  trader: \(symbol) no trade: \(why)")
        }
        for e in t.errors { lines.append("  trader error: \(e)") }
        return lines.joined(separator: "\n")
    }
}
