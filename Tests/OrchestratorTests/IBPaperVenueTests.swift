import Foundation
import OptionsModel
import Testing

@testable import Orchestrator

@Suite struct IBExecutionTimeTests {
    @Test func readsTheZoneTheGatewayWrites() throws {
        let ny = try #require(IBExecutionTime.date("20260304 10:31:02"))
        #expect(ny == MarketCalendar().date(Expiry("20260304")!, minute: 10 * 60 + 31, second: 2))
        // A gateway set to another zone says so: the same wall time in Chicago is an hour later.
        let chicago = try #require(IBExecutionTime.date("20260304 10:31:02 America/Chicago"))
        #expect(chicago.timeIntervalSince(ny) == 3600)
        #expect(IBExecutionTime.date("20260304 10:31:02 US/Eastern") == ny)
        // A zone nobody knows makes the time unknown rather than a guess.
        #expect(IBExecutionTime.date("20260304 10:31:02 Mars/Olympus") == nil)
    }
}
