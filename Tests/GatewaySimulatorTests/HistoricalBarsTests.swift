import Foundation
import TWSWire
import TestSupport
import Testing

@testable import GatewaySimulator

/// Intraday bar sizes, whatToShow, and an option's own bars.
@Suite(.serialized) struct HistoricalBarsTests {
    func request(
        _ reqId: Int, _ contract: TWSContract, _ duration: String, _ barSize: String, _ show: String = "TRADES",
        formatDate: Int = 1
    ) -> TWSRequest {
        var r = TWSReqHistoricalData()
        r.reqId = reqId
        r.contract = contract
        r.durationStr = duration
        r.barSizeSetting = barSize
        r.whatToShow = show
        r.formatDate = formatDate
        return .reqHistoricalData(r)
    }

    func bars(_ messages: [TWSServerMessage], _ reqId: Int) -> [TWSBar]? {
        messages.compactMap {
            if case .historicalData(let h) = $0, h.reqId == reqId { return h.bars } else { return nil }
        }
        .first
    }

    @Test func fiveMinuteAndHourlyBarsOfTheUnderlying() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(request(1, spy, "1 D", "5 mins"), request(2, spy, "2 D", "1 hour"))
                let got = await client.wait { bars($0, 1) != nil && bars($0, 2) != nil }
                let five = try #require(bars(got, 1))
                // 09:30 ... 10:30 on the Wednesday (the last bar is the one under way).
                #expect(five.count == 13)
                #expect(five.first?.date == "20260304 09:30:00 US/Eastern")
                #expect(five.last?.date == "20260304 10:30:00 US/Eastern")
                #expect(five.allSatisfy { $0.high >= max($0.open, $0.close) && $0.low <= min($0.open, $0.close) })
                #expect(five.allSatisfy { ($0.volume?.doubleValue ?? 0) > 0 && $0.close > 400 })
                let hourly = try #require(bars(got, 2))
                // Tuesday's seven bars (the last one half an hour) and Wednesday's 09:30 and 10:30.
                #expect(hourly.count == 9)
                #expect(hourly.first?.date == "20260303 09:30:00 US/Eastern")
                #expect(hourly[6].date == "20260303 15:30:00 US/Eastern")
            }
        }
    }

    @Test func whatToShowIsHonoured() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    request(1, spy, "1 D", "30 mins", "MIDPOINT"), request(2, spy, "1 D", "30 mins", "BID_ASK"),
                    request(3, spy, "30 D", "1 day", "OPTION_IMPLIED_VOLATILITY"),
                    request(4, spy, "30 D", "1 day", "HISTORICAL_VOLATILITY"),
                    request(5, spy, "1 D", "1 min", "TRADES", formatDate: 2))
                let got = await client.wait { m in (1...5).allSatisfy { id in bars(m, id) != nil } }
                let mid = try #require(bars(got, 1))
                #expect(!mid.isEmpty && mid.allSatisfy { $0.volume?.doubleValue == -1 && $0.barCount == -1 })
                let bidAsk = try #require(bars(got, 2))
                #expect(bidAsk.allSatisfy { $0.high > $0.low && $0.close > $0.open })  // average ask > average bid
                let iv = try #require(bars(got, 3))
                #expect(iv.count == 30 && iv.allSatisfy { $0.close > 0.05 && $0.close < 1 })
                let hv = try #require(bars(got, 4))
                #expect(hv.count == 30 && hv.allSatisfy { $0.close > 0.02 && $0.close < 1 })
                let minutes = try #require(bars(got, 5))
                let epochs = minutes.compactMap { Int($0.date) }
                #expect(epochs.count == minutes.count && zip(epochs, epochs.dropFirst()).allSatisfy { $1 - $0 == 60 })
            }
        }
    }

    @Test func anOptionHasItsOwnBars() async throws {
        try await SimulatorHarness.with { sim in
            try await WireTestClient.withConnection(port: sim.port) { client in
                try await client.send(
                    request(1, option(590, "P"), "10 D", "1 day"), request(2, option(590, "P"), "1 D", "15 mins"),
                    request(3, option(590, "P"), "10 D", "1 day", "OPTION_IMPLIED_VOLATILITY"),
                    request(4, spy, "1 D", "1 secs"))
                let got = await client.wait { m in
                    (1...3).allSatisfy { id in bars(m, id) != nil } && !errors(m, reqId: 4).isEmpty
                }
                let daily = try #require(bars(got, 1))
                #expect(daily.count == 10 && daily.allSatisfy { $0.close > 0.5 && $0.close < 60 })
                let intraday = try #require(bars(got, 2))
                #expect(intraday.count == 5 && intraday.allSatisfy { $0.close < 60 })
                let iv = try #require(bars(got, 3))
                #expect(iv.allSatisfy { $0.close > 0.05 && $0.close < 1.5 })
                #expect(errors(got, reqId: 4) == [TWSErrorCode.historicalPacing.rawValue])
            }
        }
    }
}
