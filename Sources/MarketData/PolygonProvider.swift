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
        let held = request.heldContracts
        let window = request.widestDTEWindow
        let from = today.adding(days: window.lowerBound)
        let to = today.adding(days: window.upperBound)
        let reach = request.effectiveStrikeRange(spot: spot, expiries: [to], today: today)
        let low = spot * (1 - reach)
        let high = spot * (1 + reach)
        let chain = try await client.optionChainSnapshot(
            underlying: request.symbol, expirationFrom: min(from, held.map(\.expiry).min() ?? from),
            expirationTo: max(to, held.map(\.expiry).max() ?? to),
            strikeFrom: min(low, held.map(\.strike).min() ?? low),
            strikeTo: max(high, held.map(\.strike).max() ?? high),
            staleAfter: staleAfter, now: now)
        let chosen = request.selectExpiries(Array(Set(chain.options.map(\.contract.expiry))), today: today)
        let expiries = Set(chosen)
        let range = request.effectiveStrikeRange(spot: spot, expiries: chosen, today: today)
        let heldKeys = Set(held.map(\.key))
        let options = chain.options.filter {
            heldKeys.contains($0.contract.key)
                || (expiries.contains($0.contract.expiry) && abs($0.contract.strike - spot) <= spot * range)
        }
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
