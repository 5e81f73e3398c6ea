import Foundation
import SnapshotStore

/// Predicted probability of profit against realized wins, over closed trades, by short-delta bucket
/// and by IV-rank regime.
public struct CalibrationReport: Sendable, Equatable, Codable {
    /// One bucket's comparison.
    public struct Row: Sendable, Equatable, Codable {
        /// "short delta" or "IV rank".
        public var grouping: String
        /// "0.20-0.25", "low <30", ...
        public var bucket: String
        /// Closed trades in the bucket.
        public var trades: Int
        /// Mean POP predicted at entry.
        public var predictedPOP: Double
        /// Winners (realized P&L > 0) / trades.
        public var realizedWinRate: Double
    }

    /// Short-delta buckets, then IV-rank regimes; empty buckets left out.
    public var rows: [Row]
    /// Closed trades with a predicted POP in the journal.
    public var trades: Int
    /// Mean predicted POP over all of them.
    public var predictedPOP: Double?
    /// Winners / all of them.
    public var realizedWinRate: Double?
    /// Closed trades opened before predictions were journaled.
    public var withoutPrediction: Int

    /// Short-delta buckets, by their lower edge.
    public static let deltaEdges = [0.0, 0.15, 0.20, 0.25, 0.30]
    /// IV-rank regimes, by their lower edge.
    public static let ivRankRegimes: [(from: Double, name: String)] = [
        (0, "low <30"), (30, "mid 30-50"), (50, "high >=50"),
    ]

    /// Joins closed positions with the odds journaled when they opened (`position_opened` data).
    public static func build(positions: [PositionRecord], opened: [JournalEvent]) -> CalibrationReport {
        var odds: [Int64: (pop: Double, delta: Double, ivRank: Double)] = [:]
        for e in opened where e.kind == .positionOpened {
            guard let id = TradingEngine.number(e.data, "position").map({ Int64($0) }),
                let pop = TradingEngine.number(e.data, "pop")
            else { continue }
            odds[id] = (
                pop, TradingEngine.number(e.data, "short_delta") ?? 0, TradingEngine.number(e.data, "iv_rank") ?? 50
            )
        }
        let closed = positions.filter { $0.status == .closed && $0.entryCredit != nil }
        var samples: [(pop: Double, delta: Double, ivRank: Double, won: Bool)] = []
        var missing = 0
        for p in closed {
            guard let id = p.id, let o = odds[id] else {
                missing += 1
                continue
            }
            samples.append((o.pop, o.delta, o.ivRank, (p.realizedPnL ?? 0) > 0))
        }
        func row(_ grouping: String, _ bucket: String, _ s: [(pop: Double, delta: Double, ivRank: Double, won: Bool)])
            -> Row?
        {
            guard !s.isEmpty else { return nil }
            let n = Double(s.count)
            return Row(
                grouping: grouping, bucket: bucket, trades: s.count, predictedPOP: s.reduce(0) { $0 + $1.pop } / n,
                realizedWinRate: Double(s.filter(\.won).count) / n)
        }
        var rows: [Row] = []
        for (i, lo) in deltaEdges.enumerated() {
            let hi = i + 1 < deltaEdges.count ? deltaEdges[i + 1] : Double.infinity
            let name = hi.isFinite ? String(format: "%.2f-%.2f", lo, hi) : String(format: ">=%.2f", lo)
            if let r = row("short delta", name, samples.filter { $0.delta >= lo && $0.delta < hi }) { rows.append(r) }
        }
        for (i, regime) in ivRankRegimes.enumerated() {
            let hi = i + 1 < ivRankRegimes.count ? ivRankRegimes[i + 1].from : Double.infinity
            if let r = row("IV rank", regime.name, samples.filter { $0.ivRank >= regime.from && $0.ivRank < hi }) {
                rows.append(r)
            }
        }
        let all = row("all", "all", samples)
        return CalibrationReport(
            rows: rows, trades: samples.count, predictedPOP: all?.predictedPOP, realizedWinRate: all?.realizedWinRate,
            withoutPrediction: missing)
    }
}
