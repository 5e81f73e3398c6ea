import Foundation
import OptionsModel

/// One underlying's option chain as Polygon served it.
public struct PolygonChain: Sendable, Equatable {
    public var underlying: String
    public var options: [OptionQuote]
    /// From `underlying_asset.price` when present.
    public var underlyingPrice: Double?
    /// Pages fetched (each a request).
    public var pages: Int
    /// True when Polygon marked the data DELAYED.
    public var delayed: Bool
}

extension PolygonClient {
    struct ChainPage: Decodable {
        var status: String?
        var next_url: String?
        var results: [Item]?

        struct Item: Decodable {
            var details: Details?
            var greeks: Greeks?
            var implied_volatility: Double?
            var last_quote: LastQuote?
            var last_trade: LastTrade?
            var open_interest: Double?
            var day: Day?
            var underlying_asset: UnderlyingAsset?
        }
        struct Details: Decodable {
            var contract_type: String?
            var expiration_date: String?
            var strike_price: Double?
            var ticker: String?
            var shares_per_contract: Int?
        }
        struct Greeks: Decodable { var delta: Double?, gamma: Double?, theta: Double?, vega: Double? }
        struct LastQuote: Decodable {
            var bid: Double?, ask: Double?, bid_size: Double?, ask_size: Double?, last_updated: Int64?,
                timeframe: String?
        }
        struct LastTrade: Decodable { var price: Double?, sip_timestamp: Int64? }
        struct Day: Decodable { var volume: Double?, close: Double? }
        struct UnderlyingAsset: Decodable { var price: Double? }
    }

    /// `/v3/snapshot/options/{underlying}`: every page (limit 250, following next_url), mapped to
    /// option quotes with Polygon's units (IV a fraction, greeks per share). Quotes older than
    /// `staleAfter` at `now` are flagged stale.
    public func optionChainSnapshot(
        underlying: String, expirationFrom: Expiry? = nil, expirationTo: Expiry? = nil, strikeFrom: Double? = nil,
        strikeTo: Double? = nil, contractType: OptionRight? = nil, staleAfter: TimeInterval = 900, now: Date = Date()
    ) async throws -> PolygonChain {
        var query: [(String, String)] = [("limit", "250")]
        if let expirationFrom { query.append(("expiration_date.gte", expirationFrom.iso)) }
        if let expirationTo { query.append(("expiration_date.lte", expirationTo.iso)) }
        if let strikeFrom { query.append(("strike_price.gte", String(strikeFrom))) }
        if let strikeTo { query.append(("strike_price.lte", String(strikeTo))) }
        if let contractType { query.append(("contract_type", contractType == .call ? "call" : "put")) }
        var next: URL? = url("v3/snapshot/options/\(underlying)", query)
        var chain = PolygonChain(underlying: underlying, options: [], underlyingPrice: nil, pages: 0, delayed: false)
        while let pageURL = next {
            let page = try decode(ChainPage.self, try await get(pageURL), "option chain page")
            chain.pages += 1
            let delayed = page.status == "DELAYED"
            chain.delayed = chain.delayed || delayed
            for item in page.results ?? [] {
                if let option = map(item, underlying: underlying, delayed: delayed, staleAfter: staleAfter, now: now) {
                    chain.options.append(option)
                }
                chain.underlyingPrice = chain.underlyingPrice ?? item.underlying_asset?.price
            }
            // next_url carries the cursor but never the key (the key travels in the header).
            next = page.next_url.flatMap { URL(string: $0) }
        }
        return chain
    }

    func map(_ item: ChainPage.Item, underlying: String, delayed: Bool, staleAfter: TimeInterval, now: Date)
        -> OptionQuote?
    {
        guard let details = item.details, let expiry = Expiry(details.expiration_date ?? ""),
            let strike = details.strike_price,
            let right = OptionRight(code: details.contract_type ?? "")
        else { return nil }
        let contract = OptionContract(
            symbol: underlying, expiry: expiry, strike: strike, right: right,
            multiplier: details.shares_per_contract ?? 100)
        let quote = Quote(
            bid: item.last_quote?.bid, ask: item.last_quote?.ask, last: item.last_trade?.price,
            bidSize: item.last_quote?.bid_size,
            askSize: item.last_quote?.ask_size, volume: item.day?.volume, openInterest: item.open_interest,
            close: item.day?.close)
        // Absent or empty greeks stay absent, never 0.
        let greeks = Greeks(
            impliedVolatility: item.implied_volatility, delta: item.greeks?.delta, gamma: item.greeks?.gamma,
            theta: item.greeks?.theta,
            vega: item.greeks?.vega)
        var flags = QualityFlags.derived(quote: quote, greeks: greeks)
        if delayed || item.last_quote?.timeframe == "DELAYED" { flags.insert(.delayed) }
        if let updated = item.last_quote?.last_updated,
            now.timeIntervalSince(Self.date(nanoseconds: updated)) > staleAfter
        {
            flags.insert(.stale)
        }
        return OptionQuote(
            contract: contract, quote: quote, greeks: greeks, underlyingPrice: item.underlying_asset?.price,
            flags: flags, source: .polygon)
    }

    /// A Unix-nanosecond timestamp as a date (Int64 arithmetic first: no precision lost to Double).
    public static func date(nanoseconds: Int64) -> Date {
        let seconds = nanoseconds / 1_000_000_000
        let remainder = nanoseconds % 1_000_000_000
        return Date(timeIntervalSince1970: Double(seconds) + Double(remainder) / 1e9)
    }

    struct Aggregates: Decodable {
        var results: [Bar]?
        struct Bar: Decodable { var o: Double, h: Double, l: Double, c: Double, v: Double?, t: Int64 }
    }

    /// `/v2/aggs/ticker/{ticker}/range/1/day/{from}/{to}`: daily bars on the New York trading day
    /// (`t` is the bar start in Unix milliseconds).
    public func dailyBars(ticker: String, from: TradingDay, to: TradingDay) async throws -> [Bar] {
        let data = try await get(
            url(
                "v2/aggs/ticker/\(ticker)/range/1/day/\(from.iso)/\(to.iso)",
                [("adjusted", "true"), ("sort", "asc"), ("limit", "50000")]))
        let aggs = try decode(Aggregates.self, data, "daily aggregates")
        return (aggs.results ?? []).map { b in
            // Day bars start at 00:00 New York; shift an hour in so DST edges never land on the day before.
            let day = calendar.tradingDay(of: Date(timeIntervalSince1970: Double(b.t / 1000) + 3600))
            return Bar(day: day, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v)
        }
    }

    struct IndexSnapshot: Decodable {
        var results: [Item]?
        struct Item: Decodable { var ticker: String?, value: Double?, error: String?, message: String? }
    }

    /// An index value from `/v3/snapshot/indices` (e.g. `I:VIX`); per-item NOT_ENTITLED / NOT_FOUND
    /// become typed errors. Falls back to the previous close when the snapshot is not entitled.
    public func indexValue(_ ticker: String) async throws -> Double {
        do {
            let data = try await get(url("v3/snapshot/indices", [("ticker.any_of", ticker)]))
            let snapshot = try decode(IndexSnapshot.self, data, "index snapshot")
            guard let item = snapshot.results?.first(where: { $0.ticker == ticker }) else {
                throw PolygonError(.notFound, "\(ticker) missing from the index snapshot")
            }
            if let value = item.value { return value }
            switch item.error {
            case "NOT_ENTITLED":
                throw scrubbed(PolygonError(.notEntitled, item.message ?? "not entitled to \(ticker)"))
            case "NOT_FOUND": throw scrubbed(PolygonError(.notFound, item.message ?? "\(ticker) not found"))
            default: throw PolygonError(.decoding, "\(ticker) has no value")
            }
        } catch let error as PolygonError where error.code == .notEntitled {
            return try await previousClose(ticker)
        }
    }

    /// `/v2/aggs/ticker/{ticker}/prev`: the previous session's close.
    public func previousClose(_ ticker: String) async throws -> Double {
        let aggs = try decode(
            Aggregates.self, try await get(url("v2/aggs/ticker/\(ticker)/prev", [])), "previous close")
        guard let close = aggs.results?.first?.c else {
            throw PolygonError(.notFound, "no previous close for \(ticker)")
        }
        return close
    }

    /// The underlying's price: the chain's `underlying_asset.price` is preferred by callers; this is
    /// the previous close.
    public func underlyingPrice(symbol: String) async throws -> Double {
        try await previousClose(symbol)
    }
}
