import Foundation
import OptionsModel
import TWSWire

extension SessionEngine {
    /// Ticks of the generic lists beyond 100/101/104/106: 165 (13/26/52-week ranges, average volume),
    /// 221 (mark), 233 (RTVolume), 236 (shortable), 293-295 (trade count and rates), 318 (last RTH trade),
    /// 411 (real-time historical volatility), 456 (dividends). 258 (fundamental ratios) needs a data
    /// subscription and is ignored, as are lists an option or delayed data does not carry.
    func genericTicks(
        reqId: Int, quote: SimQuote, previous: SimQuote?, subscription: Subscription, now: Date
    ) -> [TWSServerMessage] {
        let delayed = subscription.servedType >= 3
        let lists = Set(
            subscription.genericTicks.map(TWSGenericTickList.init(_:)).filter {
                !delayed || TWSGenericTickList.acceptedOnDelayedData.contains($0)
            })
        guard !lists.isEmpty else { return [] }
        let first = previous == nil
        let isStock = subscription.contract.secType == TWSSecurityType.stock.rawValue
        var out: [TWSServerMessage] = []
        func price(_ type: TWSTickType, _ value: Double?) {
            guard let value else { return }
            out.append(.tickPrice(TWSTickPrice(reqId: reqId, tickType: type.rawValue, price: value, size: nil)))
        }
        func generic(_ type: TWSTickType, _ value: Double?) {
            guard let value else { return }
            var g = TWSTickGeneric()
            g.reqId = reqId
            g.tickType = type.rawValue
            g.value = value
            out.append(.tickGeneric(g))
        }
        func string(_ type: TWSTickType, _ value: String) {
            var s = TWSTickString()
            s.reqId = reqId
            s.tickType = type.rawValue
            s.value = value
            out.append(.tickString(s))
        }
        if lists.contains(.miscellaneousStats), first, !quote.isOption,
            let stats = market.rangeStatistics(for: subscription.contract, at: now)
        {
            price(.low13Week, stats.low13)
            price(.high13Week, stats.high13)
            price(.low26Week, stats.low26)
            price(.high26Week, stats.high26)
            price(.low52Week, stats.low52)
            price(.high52Week, stats.high52)
            if let volume = stats.averageVolume {
                out.append(
                    .tickSize(
                        TWSTickSize(
                            reqId: reqId, tickType: TWSTickType.averageVolume.rawValue, size: TWSDecimal(volume))))
            }
        }
        if lists.contains(.markPrice), let bid = quote.bid, let ask = quote.ask {
            let mark = ((bid + ask) / 2 * 100).rounded() / 100
            let old = previous.flatMap { p in p.bid.flatMap { b in p.ask.map { ((b + $0) / 2 * 100).rounded() / 100 } }
            }
            if first || old != mark { price(.markPrice, mark) }
        }
        if lists.contains(.rtVolume), !delayed, let last = quote.last, first || last != previous?.last {
            let size = Int(quote.lastSize ?? 1)
            let volume = Int(quote.volume ?? 0)
            let millis = Int(now.timeIntervalSince1970 * 1000)
            string(.rtVolume, "\(last);\(size);\(millis);\(volume);\(last);false")
        }
        if lists.contains(.shortable), first, isStock {
            generic(.shortable, 3)
            out.append(
                .tickSize(
                    TWSTickSize(
                        reqId: reqId, tickType: TWSTickType.shortableShares.rawValue, size: TWSDecimal(50_000_000))))
        }
        if !quote.isOption, !delayed, let volume = quote.volume, first || volume != previous?.volume {
            if lists.contains(.tradeCount) { generic(.tradeCount, (volume / 3).rounded()) }
            if lists.contains(.tradeRate) { generic(.tradeRate, (volume / 3 / 390).rounded()) }
            if lists.contains(.volumeRate) { generic(.volumeRate, (volume / 390).rounded()) }
        }
        if lists.contains(.lastRTHTrade), !delayed, let last = quote.last, first || last != previous?.last {
            price(.lastRTHTrade, last)
        }
        if lists.contains(.rtHistoricalVolatility), !delayed, !quote.isOption, let hv = quote.historicalVolatility,
            first || hv != previous?.historicalVolatility
        {
            generic(.rtHistoricalVolatility, hv * 100)
        }
        if lists.contains(.dividends), first, isStock, let text = market.dividends(for: subscription.contract, at: now)
        {
            string(.dividends, text)
        }
        return out
    }
}

extension MarketPort {
    /// 13-, 26- and 52-week low and high of daily closes and the 90-day average volume (generic tick 165).
    func rangeStatistics(for contract: TWSContract, at date: Date) -> SimRangeStatistics? {
        let symbol = contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol
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
