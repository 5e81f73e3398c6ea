import Foundation
import Testing

@testable import GatewaySimulator

/// IB's message-rate rule on explicit arrival times (no real clock involved).
@Suite struct MessageRateTests {
    func verdicts(_ arrivals: [Double], limit: Int = 50) -> (window: MessageRateWindow, [MessageRateWindow.Verdict]) {
        var window = MessageRateWindow(limit: limit)
        let verdicts = arrivals.map { window.admit(at: $0) }
        return (window, verdicts)
    }

    /// ib_async's pacer: at most 45 sends per one-second window, so a queue goes out in batches of 45
    /// whose sends are a hair over a second apart.
    func ibAsyncBatches(_ count: Int, gap: Double = 1.001, spread: Double = 0.004) -> [Double] {
        (0..<count).map { i in Double(i / 45) * gap + spread * Double(i % 45) / 45 }
    }

    @Test func ibAsyncDefaultPacingIsNeverRefused() {
        let (window, verdicts) = verdicts(ibAsyncBatches(300))
        #expect(verdicts.allSatisfy { $0 == .ok })
        #expect(window.peak == 45)
    }

    @Test func lateBatchesPuttingSeventyIntoOneSecondAreStillAdmitted() {
        // Whole batches held up on the way by up to 400 ms (a busy client loop, a full socket buffer):
        // a late batch meets the next one on time, 60-90 frames in one sliding second, as the issue
        // measured against ib_async at its default pacing.
        var seed: UInt64 = 7
        var delays: [Double] = []
        for _ in 0..<7 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            delays.append(Double(seed >> 40) / Double(1 << 24) * 0.4)
        }
        delays[2] = 0.4
        delays[3] = 0
        let arrivals = ibAsyncBatches(300).enumerated().map { i, t in t + delays[i / 45] }.sorted()
        let (window, verdicts) = verdicts(arrivals)
        #expect(verdicts.allSatisfy { $0 == .ok })
        #expect(window.peak > 60)
    }

    @Test func aBatchArrivingATenthOfASecondEarlyIsStillAdmitted() {
        var arrivals = ibAsyncBatches(135)
        for i in 90..<135 { arrivals[i] -= 0.1 }
        #expect(verdicts(arrivals).1.allSatisfy { $0 == .ok })
    }

    @Test func fiftyAtOnceAreFineSeventyAreNot() {
        #expect(verdicts(Array(repeating: 0.5, count: 50)).1.allSatisfy { $0 == .ok })
        let burst = verdicts(Array(repeating: 0.5, count: 70)).1
        #expect(burst.filter { $0 != .ok }.count == 10)
        // One burst is refused message by message, never disconnected.
        #expect(!burst.contains { if case .disconnect = $0 { true } else { false } })
    }

    @Test func sustainedExcessDisconnects() {
        // 100 messages a second for four seconds: refusals in three distinct seconds end it.
        let flood = (0..<400).map { Double($0) / 100 }
        let v = verdicts(flood).1
        let index = v.firstIndex { if case .disconnect = $0 { true } else { false } }
        #expect(
            index.map { flood[$0] >= 2 && flood[$0] < 3.5 } ?? false, "disconnect at \(index.map { flood[$0] } ?? -1)")
    }

    @Test func steadyFiftyASecondIsTheLimitNotAViolation() {
        let steady = (0..<500).map { Double($0) / 50 }
        #expect(verdicts(steady).1.allSatisfy { $0 == .ok })
        let over = (0..<600).map { Double($0) / 60 }
        #expect(verdicts(over).1.contains { $0 != .ok })
    }
}
