import Foundation
import OptionsModel
import TWSWire

/// IB tick types of the generic tick lists an options trader's tools ask for.
enum SimGenericTick {
    static let low13Week = 15, high13Week = 16, low26Week = 17, high26Week = 18, low52Week = 19, high52Week = 20
    static let averageVolume = 21
    static let markPrice = 37
    static let shortable = 46
    static let rtVolume = 48
    static let tradeCount = 54, tradeRate = 55, volumeRate = 56
    static let lastRTHTrade = 57
    static let rtHistoricalVolatility = 58
    static let dividends = 59
    static let shortableShares = 89
    /// Generic tick lists IB accepts on delayed data (the others are ignored there).
    static let delayedLists: Set<Int> = [101, 106, 165, 221, 232, 236, 258]
}

extension SessionEngine {
    /// Ticks of the generic lists beyond 100/101/104/106: 165 (13/26/52-week ranges, average volume),
    /// 221 (mark), 233 (RTVolume), 236 (shortable), 293-295 (trade count and rates), 318 (last RTH trade),
    /// 411 (real-time historical volatility), 456 (dividends). 258 (fundamental ratios) needs a data
    /// subscription and is ignored, as are lists an option or delayed data does not carry.
    func genericTicks(
        reqId: Int, quote: SimQuote, previous: SimQuote?, subscription: Subscription, now: Date
    ) -> [TWSServerMessage] {
        let delayed = subscription.servedType >= 3
        let lists = subscription.genericTicks.filter { !delayed || SimGenericTick.delayedLists.contains($0) }
        guard !lists.isEmpty else { return [] }
        let first = previous == nil
        let isStock = subscription.contract.secType == "STK"
        var out: [TWSServerMessage] = []
        func price(_ type: Int, _ value: Double?) {
            guard let value else { return }
            out.append(.tickPrice(TWSTickPrice(reqId: reqId, tickType: type, price: value, size: nil)))
        }
        func generic(_ type: Int, _ value: Double?) {
            guard let value else { return }
            var g = TWSTickGeneric()
            g.reqId = reqId
            g.tickType = type
            g.value = value
            out.append(.tickGeneric(g))
        }
        func string(_ type: Int, _ value: String) {
            var s = TWSTickString()
            s.reqId = reqId
            s.tickType = type
            s.value = value
            out.append(.tickString(s))
        }
        if lists.contains(165), first, !quote.isOption,
            let stats = market.rangeStatistics(for: subscription.contract, at: now)
        {
            price(SimGenericTick.low13Week, stats.low13)
            price(SimGenericTick.high13Week, stats.high13)
            price(SimGenericTick.low26Week, stats.low26)
            price(SimGenericTick.high26Week, stats.high26)
            price(SimGenericTick.low52Week, stats.low52)
            price(SimGenericTick.high52Week, stats.high52)
            if let volume = stats.averageVolume {
                out.append(
                    .tickSize(
                        TWSTickSize(reqId: reqId, tickType: SimGenericTick.averageVolume, size: TWSDecimal(volume))))
            }
        }
        if lists.contains(221), let bid = quote.bid, let ask = quote.ask {
            let mark = ((bid + ask) / 2 * 100).rounded() / 100
            let old = previous.flatMap { p in p.bid.flatMap { b in p.ask.map { ((b + $0) / 2 * 100).rounded() / 100 } }
            }
            if first || old != mark { price(SimGenericTick.markPrice, mark) }
        }
        if lists.contains(233), !delayed, let last = quote.last, first || last != previous?.last {
            let size = Int(quote.lastSize ?? 1)
            let volume = Int(quote.volume ?? 0)
            let millis = Int(now.timeIntervalSince1970 * 1000)
            string(SimGenericTick.rtVolume, "\(last);\(size);\(millis);\(volume);\(last);false")
        }
        if lists.contains(236), first, isStock {
            generic(SimGenericTick.shortable, 3)
            out.append(
                .tickSize(
                    TWSTickSize(reqId: reqId, tickType: SimGenericTick.shortableShares, size: TWSDecimal(50_000_000))))
        }
        if !quote.isOption, !delayed, let volume = quote.volume, first || volume != previous?.volume {
            if lists.contains(293) { generic(SimGenericTick.tradeCount, (volume / 3).rounded()) }
            if lists.contains(294) { generic(SimGenericTick.tradeRate, (volume / 3 / 390).rounded()) }
            if lists.contains(295) { generic(SimGenericTick.volumeRate, (volume / 390).rounded()) }
        }
        if lists.contains(318), !delayed, let last = quote.last, first || last != previous?.last {
            price(SimGenericTick.lastRTHTrade, last)
        }
        if lists.contains(411), !delayed, !quote.isOption, let hv = quote.historicalVolatility,
            first || hv != previous?.historicalVolatility
        {
            generic(SimGenericTick.rtHistoricalVolatility, hv * 100)
        }
        if lists.contains(456), first, isStock, let text = market.dividends(for: subscription.contract, at: now) {
            string(SimGenericTick.dividends, text)
        }
        return out
    }
}

extension MarketPort {
    /// 13-, 26- and 52-week low and high of daily closes and the 90-day average volume (generic tick 165).
    func rangeStatistics(for contract: TWSContract, at date: Date) -> SimRangeStatistics? {
        let symbol = contract.secType == "IND" ? "VIX" : contract.symbol
        let bars = market.dailyBars(symbol, endingAt: date, count: 252)
        guard !bars.isEmpty else { return nil }
        func range(_ n: Int) -> (Double, Double) {
            let slice = bars.suffix(n)
            let low = slice.map(\.low).min() ?? 0, high = slice.map(\.high).max() ?? 0
            return ((low * 100).rounded() / 100, (high * 100).rounded() / 100)
        }
        let volumes = bars.suffix(90).compactMap(\.volume)
        let average = volumes.isEmpty ? nil : (volumes.reduce(0, +) / Double(volumes.count) / 100).rounded()
        let (l13, h13) = range(63), (l26, h26) = range(126), (l52, h52) = range(252)
        return SimRangeStatistics(
            low13: l13, high13: h13, low26: l26, high26: h26, low52: l52, high52: h52, averageVolume: average)
    }

    /// IB's dividend tick (456): past 12 months, next 12 months, next ex-date, next amount — quarterly,
    /// ex-dividend on the third Friday of March, June, September and December.
    func dividends(for contract: TWSContract, at date: Date) -> String? {
        guard let profile = market.profile(contract.symbol), profile.dividendYield > 0,
            let price = market.price(contract.symbol, at: date)
        else { return nil }
        let annual = (price * profile.dividendYield * 100).rounded() / 100
        let today = market.calendar.tradingDay(of: date)
        var month = today.month, year = today.year
        while true {
            if month % 3 == 0, var d = Expiry(year: year, month: month, day: 15) {
                while d.isoWeekday != 5 { d = d.adding(days: 1) }
                if d > today {
                    let quarter = (annual / 4 * 10000).rounded() / 10000
                    return "\(annual),\(annual),\(d.yyyymmdd),\(quarter)"
                }
            }
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
    }
}

/// Range statistics of generic tick 165.
struct SimRangeStatistics: Sendable, Equatable {
    var low13: Double, high13: Double, low26: Double, high26: Double, low52: Double, high52: Double
    var averageVolume: Double?
}
