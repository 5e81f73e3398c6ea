import Foundation
import OptionsModel
import TWSWire

/// Historical bars beyond the underlyings' daily TRADES: intraday sizes (1 min .. 1 hour), every
/// `whatToShow` an options trader asks for, and an option contract's own bars. Sampled once a simulated
/// minute over the regular session.
extension MarketPort {
    /// What a bar shows.
    enum Show: String, CaseIterable {
        case trades = "TRADES"
        case midpoint = "MIDPOINT"
        case bidAsk = "BID_ASK"
        case bid = "BID"
        case ask = "ASK"
        case impliedVolatility = "OPTION_IMPLIED_VOLATILITY"
        case historicalVolatility = "HISTORICAL_VOLATILITY"
    }

    /// Bar length in seconds for an IB bar size (`1 min`, `5 mins`, `1 hour`, `1 day` ...), nil when not
    /// simulated (seconds bars, weeks, months).
    static func barSeconds(_ setting: String) -> Int? {
        let parts = setting.trimmingCharacters(in: .whitespaces).split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        switch parts[1].lowercased() {
        case "min", "mins": return [1, 2, 3, 5, 10, 15, 20, 30].contains(n) ? n * 60 : nil
        case "hour", "hours": return [1, 2, 3, 4, 8].contains(n) ? n * 3600 : nil
        case "day": return n == 1 ? 86_400 : nil
        default: return nil
        }
    }

    /// One sampled value of a contract at `date`: (open-side, high-side, low-side, close-side) for
    /// BID_ASK, the same number four times otherwise; nil when the contract has no such value.
    func sample(_ contract: TWSContract, _ show: Show, at date: Date) -> (Double, Double, Double, Double)? {
        let value: (bid: Double, ask: Double, last: Double, iv: Double?)
        if contract.secType == TWSSecurityType.option.rawValue, let option = market.option(conId: contract.conId) {
            guard let q = market.optionQuote(option, at: date) else { return nil }
            value = (q.bid, q.ask, q.last, q.impliedVol)
        } else {
            let symbol = contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol
            guard let price = market.price(symbol, at: date) else { return nil }
            let iv = market.atmImpliedVolatility(symbol, at: date)
            value = (price - 0.01, price + 0.01, price, iv)
        }
        switch show {
        case .trades: return (value.last, value.last, value.last, value.last)
        case .midpoint:
            let mid = (value.bid + value.ask) / 2
            return (mid, mid, mid, mid)
        case .bidAsk: return (value.bid, value.ask, value.bid, value.ask)
        case .bid: return (value.bid, value.bid, value.bid, value.bid)
        case .ask: return (value.ask, value.ask, value.ask, value.ask)
        case .impliedVolatility: return value.iv.map { ($0, $0, $0, $0) }
        case .historicalVolatility:
            // One value a session (30 daily closes), taken by `bars` before sampling.
            return nil
        }
    }

    /// The underlying's 30-day historical volatility as of `date` (nil for options).
    func historicalVolatility(_ contract: TWSContract, at date: Date) -> Double? {
        guard contract.secType != TWSSecurityType.option.rawValue else { return nil }
        let symbol = contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol
        return Self.historicalVolatility(market.dailyBars(symbol, endingAt: date, count: 31).map(\.close))
    }

    /// Bars of `barSeconds` over the regular sessions of the `days` trading days ending at `end`, oldest
    /// first; dates as IB writes them (`yyyyMMdd HH:mm:ss US/Eastern`, `yyyyMMdd` for daily bars, epoch
    /// seconds for formatDate 2). BID_ASK bars: time-average bid, highest ask, lowest bid, time-average ask.
    func bars(
        for contract: TWSContract, show: Show, barSeconds: Int, days: Int, endingAt end: Date, epochDates: Bool
    ) -> [TWSBar] {
        let calendar = market.calendar
        var day = calendar.tradingDay(of: end)
        if !calendar.isTradingDay(day) || calendar.minuteOfDay(end) < MarketCalendar.openMinute {
            day = calendar.previousTradingDay(before: day)
        }
        var sessions: [TradingDay] = [day]
        while sessions.count < days {
            day = calendar.previousTradingDay(before: day)
            sessions.append(day)
        }
        let decimals = show == .impliedVolatility || show == .historicalVolatility ? 6.0 : 2.0
        let scale = pow(10, decimals)
        let round = { (x: Double) in (x * scale).rounded() / scale }
        var out: [TWSBar] = []
        for session in sessions.reversed() {
            let open = calendar.date(session, minute: MarketCalendar.openMinute)
            let closeMinute = calendar.closeMinute(on: session) ?? MarketCalendar.closeMinute
            let close = calendar.date(session, minute: closeMinute)
            let sessionEnd = min(close, end)
            let step = barSeconds >= 86_400 ? close.timeIntervalSince(open) : Double(barSeconds)
            let hv = show == .historicalVolatility ? historicalVolatility(contract, at: sessionEnd) : nil
            if show == .historicalVolatility && hv == nil { continue }
            var start = open
            while start < sessionEnd {
                let barEnd = min(start.addingTimeInterval(step), close)
                var samples: [(Double, Double, Double, Double)] = []
                var t = start
                while t <= min(barEnd, sessionEnd) {
                    if let hv {
                        samples.append((hv, hv, hv, hv))
                    } else if let s = sample(contract, show, at: t) {
                        samples.append(s)
                    }
                    t = t.addingTimeInterval(60)
                }
                if let first = samples.first, let last = samples.last {
                    var bar = TWSBar()
                    let count = Double(samples.count)
                    if show == .bidAsk {
                        bar.open = round(samples.reduce(0) { $0 + $1.0 } / count)
                        bar.high = round(samples.map(\.1).max() ?? first.1)
                        bar.low = round(samples.map(\.2).min() ?? first.2)
                        bar.close = round(samples.reduce(0) { $0 + $1.3 } / count)
                    } else {
                        bar.open = round(first.0)
                        bar.high = round(samples.map(\.1).max() ?? first.1)
                        bar.low = round(samples.map(\.2).min() ?? first.2)
                        bar.close = round(last.3)
                    }
                    if show == .trades && contract.secType != TWSSecurityType.index.rawValue {
                        let perMinute = contract.secType == TWSSecurityType.option.rawValue ? 12.0 : 120_000.0
                        let volume = (perMinute * max(1, count - 1)).rounded()
                        bar.volume = TWSDecimal(
                            volume / (contract.secType == TWSSecurityType.option.rawValue ? 1 : 100))
                        bar.barCount = Int(volume / (contract.secType == TWSSecurityType.option.rawValue ? 2 : 300))
                    }
                    bar.wap = TWSDecimal(round(samples.reduce(0) { $0 + $1.3 } / count))
                    if show != .trades || contract.secType == TWSSecurityType.index.rawValue {
                        // IB's "not available" for volume, WAP and count (an empty field breaks ib_async).
                        bar.volume = TWSDecimal(-1)
                        bar.wap = TWSDecimal(-1)
                        bar.barCount = -1
                    }
                    bar.date =
                        epochDates
                        ? String(Int(start.timeIntervalSince1970))
                        : barSeconds >= 86_400 ? session.yyyymmdd : NewYorkTime.stamp(start)
                    out.append(bar)
                }
                start = barEnd
            }
        }
        return out
    }
}
