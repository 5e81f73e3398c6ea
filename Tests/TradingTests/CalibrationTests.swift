import Foundation
import OptionsModel
import SnapshotStore
import Testing

@testable import Trading

/// Predicted POP against realized wins, by bucket, from hand-made journals.
@Suite struct CalibrationTests {
    func closed(_ id: Int64, pnl: Double) -> PositionRecord {
        var p = heldSpread(id: id, "SPY", today.adding(days: 40), .put, short: 500, long: 495, credit: 1, quantity: 1)
        p.status = .closed
        p.realizedPnL = pnl
        return p
    }

    func opened(_ id: Int64, pop: Double, delta: Double, ivRank: Double) -> JournalEvent {
        JournalEvent(
            time: now, kind: .positionOpened, symbol: "SPY", message: "opened",
            data: String(
                format: "{\"position\":%lld,\"pop\":%.4f,\"short_delta\":%.4f,\"iv_rank\":%.2f}", id, pop, delta, ivRank
            ))
    }

    @Test func bucketsCompareMeanPredictedPOPWithTheWinRate() throws {
        let positions = [closed(1, pnl: 50), closed(2, pnl: -200), closed(3, pnl: 40), closed(4, pnl: 30)]
        let events = [
            opened(1, pop: 0.70, delta: 0.22, ivRank: 40), opened(2, pop: 0.60, delta: 0.27, ivRank: 55),
            opened(3, pop: 0.80, delta: 0.18, ivRank: 20),
        ]
        let report = CalibrationReport.build(positions: positions, opened: events)
        #expect(report.trades == 3 && report.withoutPrediction == 1)
        #expect(abs((report.predictedPOP ?? 0) - 0.70) < 1e-9)
        #expect(abs((report.realizedWinRate ?? 0) - 2.0 / 3) < 1e-9)
        let delta = report.rows.filter { $0.grouping == "short delta" }
        #expect(delta.map(\.bucket) == ["0.15-0.20", "0.20-0.25", "0.25-0.30"])
        #expect(delta.map(\.realizedWinRate) == [1, 1, 0])
        let iv = report.rows.filter { $0.grouping == "IV rank" }
        #expect(iv.map(\.bucket) == ["low <30", "mid 30-50", "high >=50"])
        #expect(iv.map(\.predictedPOP) == [0.8, 0.7, 0.6])
    }
}
