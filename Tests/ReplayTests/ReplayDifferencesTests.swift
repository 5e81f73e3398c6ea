import Foundation
import OptionsModel
import Testing

@testable import Replay

@Suite struct ReplayDifferencesTests {
    @Test func onlyDecisionsWhereOneOpenedAreDifferences() {
        let time = MarketCalendar().date(Expiry("20260304")!, minute: 10 * 60 + 35)
        let lines = Replay.differences(
            [
                [
                    "SPY": "opened SPY bull put spread 20260417 560/555 x1 @1.42",
                    "IWM": "no trade: VIX 11.00 outside 12-35",
                ],
                ["SPY": "no trade: IV rank 28.4 below 30.0", "IWM": "no trade: VIX 11.00 outside 12-35 (other words)"],
            ], names: ["A", "B"], at: time)
        #expect(
            lines == [
                "2026-03-04 10:35 SPY: A opened SPY bull put spread 20260417 560/555 x1 @1.42; B no trade: IV rank 28.4 below 30.0"
            ])
    }
}
