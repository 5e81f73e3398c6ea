import Foundation
import OptionsModel
import PolygonClient

/// Market data from Polygon's REST API (the fallback).
public final class PolygonProvider: MarketDataProvider, Sendable {
    public let client: PolygonClient
    public let name = "polygon"
    public let source = DataSource.polygon
    let calendar = MarketCalendar()
    /// Quotes older than this are flagged stale.
    let staleAfter: TimeInterval

    public init(client: PolygonClient, staleAfter: TimeInterval = 900) {
        self.client = client
        self.staleAfter = staleAfter
    }

    public func optionChain(_ request: ChainRequest, now: Date) async throws -> ChainSnapshot {
        let spot = try await underlyingPrice(request.symbol)
        let today = calendar.tradingDay(of: now)
        let chain = try await client.optionChainSnapshot(
            underlying: request.symbol, expirationFrom: today.adding(days: request.dteMin),
            expirationTo: today.adding(days: request.dteMax),
            strikeFrom: spot * (1 - request.strikeRangePct), strikeTo: spot * (1 + request.strikeRangePct),
            staleAfter: staleAfter, now: now)
        let expiries = Set(request.selectExpiries(Array(Set(chain.options.map(\.contract.expiry))), today: today))
        let options = chain.options.filter { expiries.contains($0.contract.expiry) }
        return ChainSnapshot(
            symbol: request.symbol, timestamp: now, underlyingPrice: chain.underlyingPrice ?? spot, options: options,
            source: .polygon)
    }

    public func underlyingPrice(_ symbol: String) async throws -> Double {
        try await client.underlyingPrice(symbol: symbol)
    }

    public func vix() async throws -> Double {
        try await client.indexValue("I:VIX")
    }

    public func dailyBars(_ symbol: String, count: Int, now: Date) async throws -> [Bar] {
        let to = calendar.tradingDay(of: now)
        let from = to.adding(days: -Int(Double(count) * 1.5) - 7)
        let ticker = symbol == "VIX" ? "I:VIX" : symbol
        return Array(try await client.dailyBars(ticker: ticker, from: from, to: to).suffix(count))
    }
}
