import Foundation
import OptionsModel
import TWSWire

/// Maps the simulated market's instruments to IB contracts and contract details.
enum SimulatorContracts {
    static func stock(_ p: SimulatedMarket.Profile) -> TWSContract {
        var c = TWSContract(
            conId: p.conId, symbol: p.symbol, secType: TWSSecurityType.stock.rawValue, exchange: "SMART",
            currency: "USD", localSymbol: p.symbol,
            tradingClass: p.symbol)
        c.primaryExchange = p.symbol == "IWM" || p.symbol == "SPY" ? "ARCA" : "NASDAQ"
        c.strike = 0  // IB sends 0 for non-options, never the unset value
        return c
    }

    static var vix: TWSContract {
        var c = TWSContract(
            conId: SimulatedMarket.vixConId, symbol: "VIX", secType: TWSSecurityType.index.rawValue, exchange: "CBOE",
            currency: "USD",
            localSymbol: "VIX")
        c.strike = 0
        return c
    }

    static func contract(for option: OptionContract, market: SimulatedMarket) -> TWSContract {
        TWSContract(
            conId: market.optionConId(option) ?? 0, symbol: option.symbol, secType: TWSSecurityType.option.rawValue,
            lastTradeDateOrContractMonth: option.expiry.yyyymmdd, strike: option.strike, right: option.right.code,
            multiplier: "100", exchange: "SMART", currency: "USD", localSymbol: option.occSymbol,
            tradingClass: option.symbol)
    }

    /// Trading (and liquid) hours in IB's dated format for the seven days from `date`:
    /// `20260304:0930-20260304:1600;20260307:CLOSED;...`, early closes at 13:00.
    static func sessionHours(from date: Date, calendar: MarketCalendar) -> String {
        var day = calendar.tradingDay(of: date)
        var parts: [String] = []
        for _ in 0..<7 {
            let d = day.yyyymmdd
            if let close = calendar.closeMinute(on: day) {
                let open = MarketCalendar.openMinute
                let hhmm = { (minute: Int) in String(format: "%02d%02d", minute / 60, minute % 60) }
                parts.append("\(d):\(hhmm(open))-\(d):\(hhmm(close))")
            } else {
                parts.append(d + ":CLOSED")
            }
            day = day.adding(days: 1)
        }
        return parts.joined(separator: ";")
    }

    static func details(
        _ contract: TWSContract, underlying: SimulatedMarket.Profile?, longName: String, hours: String = "0930-1600"
    )
        -> TWSContractDetails
    {
        var d = TWSContractDetails()
        d.contract = contract
        d.marketName = contract.secType == TWSSecurityType.option.rawValue ? contract.tradingClass : contract.symbol
        d.minTick = contract.secType == TWSSecurityType.index.rawValue ? 0.01 : 0.01
        d.orderTypes =
            "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,GAT,GTC,GTD,LMT,MKT,NONALGO,OCA,WHATIF"
        d.validExchanges =
            contract.secType == TWSSecurityType.index.rawValue
            ? "CBOE" : "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,MIAX,EDGX"
        d.priceMagnifier = 1
        d.underConId = contract.secType == TWSSecurityType.option.rawValue ? (underlying?.conId ?? 0) : 0
        d.longName = longName
        d.timeZoneId = "US/Eastern"
        d.tradingHours = hours
        d.liquidHours = hours
        d.aggGroup = 1
        if contract.secType == TWSSecurityType.option.rawValue {
            d.underSymbol = contract.symbol
            d.underSecType = TWSSecurityType.stock.rawValue
            d.contractMonth = String(contract.lastTradeDateOrContractMonth.prefix(6))
            d.realExpirationDate = contract.lastTradeDateOrContractMonth
            d.contract.lastTradeDate = contract.lastTradeDateOrContractMonth
            d.lastTradeTime = "16:00:00"
        }
        d.stockType = contract.secType == TWSSecurityType.stock.rawValue ? "ETF" : ""
        d.minSize = 1
        d.sizeIncrement = 1
        d.suggestedSizeIncrement = 1
        return d
    }

    static func longName(_ symbol: String) -> String {
        switch symbol {
        case "SPY": "SPDR S&P 500 ETF TRUST"
        case "QQQ": "INVESCO QQQ TRUST SERIES 1"
        case "IWM": "ISHARES RUSSELL 2000 ETF"
        case "VIX": "CBOE Volatility Index"
        default: symbol + " (simulated)"
        }
    }
}

/// The market as the session engine sees it (IB contracts and quotes).
struct MarketPort: SimMarketPort {
    let market: SimulatedMarket
    /// Delayed data lags by 15 minutes.
    static let delay: TimeInterval = 15 * 60

    func contractDetails(matching q: TWSContract, at date: Date) -> [TWSContractDetails] {
        let hours = SimulatorContracts.sessionHours(from: date, calendar: market.calendar)
        if q.conId > 0, let c = contract(conId: q.conId) {
            let profile = market.profile(c.symbol)
            return [
                SimulatorContracts.details(
                    c, underlying: profile, longName: SimulatorContracts.longName(c.symbol), hours: hours)
            ]
        }
        switch q.secType {
        case TWSSecurityType.index.rawValue:
            guard q.symbol == "VIX" else { return [] }
            return [
                SimulatorContracts.details(
                    SimulatorContracts.vix, underlying: nil, longName: SimulatorContracts.longName("VIX"), hours: hours)
            ]
        case TWSSecurityType.stock.rawValue, "":
            guard let p = market.profile(q.symbol) else { return [] }
            return [
                SimulatorContracts.details(
                    SimulatorContracts.stock(p), underlying: nil, longName: SimulatorContracts.longName(p.symbol),
                    hours: hours)
            ]
        case TWSSecurityType.option.rawValue:
            guard let p = market.profile(q.symbol) else { return [] }
            let expiries = market.expiries(p.symbol, at: date).filter { e in
                q.lastTradeDateOrContractMonth.isEmpty || e.yyyymmdd == q.lastTradeDateOrContractMonth
                    || (q.lastTradeDateOrContractMonth.count == 6 && e.yearMonth == q.lastTradeDateOrContractMonth)
            }
            let rights: [OptionRight] = OptionRight(code: q.right).map { [$0] } ?? OptionRight.allCases
            var out: [TWSContractDetails] = []
            for expiry in expiries {
                for strike in market.strikes(p.symbol, expiry: expiry, at: date)
                where q.strike == nil || q.strike == 0 || abs(strike - (q.strike ?? 0)) < 1e-9 {
                    for right in rights {
                        let option = OptionContract(symbol: p.symbol, expiry: expiry, strike: strike, right: right)
                        out.append(
                            SimulatorContracts.details(
                                SimulatorContracts.contract(for: option, market: market), underlying: p,
                                longName: SimulatorContracts.longName(p.symbol), hours: hours))
                        // IB throttles whole-chain contract details; so does the simulator's answer size.
                        if out.count >= 1000 { return out }
                    }
                }
            }
            return out
        default:
            return []
        }
    }

    func contract(conId: Int) -> TWSContract? {
        if conId == SimulatedMarket.vixConId { return SimulatorContracts.vix }
        if let p = market.profiles.first(where: { $0.conId == conId }) { return SimulatorContracts.stock(p) }
        if let option = market.option(conId: conId) { return SimulatorContracts.contract(for: option, market: market) }
        return nil
    }

    func optionParameters(symbol: String, underlyingConId: Int, at date: Date) -> [TWSSecurityDefinitionOptionParameter]
    {
        guard let p = market.profile(symbol), underlyingConId == 0 || underlyingConId == p.conId else { return [] }
        let expiries = market.expiries(symbol, at: date)
        var strikes = Set<Double>()
        for e in expiries.prefix(1) { strikes.formUnion(market.strikes(symbol, expiry: e, at: date)) }
        return ["SMART", "CBOE"].map { exchange in
            var row = TWSSecurityDefinitionOptionParameter()
            row.exchange = exchange
            row.underlyingConId = p.conId
            row.tradingClass = symbol
            row.multiplier = "100"
            row.expirations = expiries.map(\.yyyymmdd)
            row.strikes = strikes.sorted()
            return row
        }
    }

    func quote(for contract: TWSContract, at date: Date, delayed: Bool) -> SimQuote? {
        if contract.secType == TWSSecurityType.combo.rawValue {
            return comboQuote(contract, at: date, delayed: delayed)
        }
        let time = delayed ? date.addingTimeInterval(-Self.delay) : date
        let stream = DeterministicNoise.stream("sizes-" + contract.symbol)
        let tick = Int64(time.timeIntervalSince1970 / 15)
        func size(_ salt: Int64) -> Double {
            (100 + 2_000 * DeterministicNoise.uniform(market.seed, stream, tick &* 3 &+ salt)).rounded()
        }
        if contract.secType == TWSSecurityType.option.rawValue,
            let option = market.option(conId: contract.conId) ?? Self.option(from: contract, market: market),
            let q = market.optionQuote(option, at: time)
        {
            var model = TWSTickOptionComputation()
            model.tickAttrib = 0
            model.impliedVol = q.impliedVol
            model.delta = q.delta
            model.optPrice = q.impliedVol == nil ? nil : q.modelPrice
            model.pvDividend = q.pvDividend
            model.gamma = q.gamma
            model.vega = q.vega
            model.theta = q.theta
            model.undPrice = q.underlying
            return SimQuote(
                bid: q.bid, ask: q.ask, last: q.last, bidSize: q.bidSize, askSize: q.askSize, lastSize: 1,
                volume: q.volume,
                close: market.optionQuote(
                    option,
                    at: market.calendar.date(
                        market.calendar.previousTradingDay(before: market.calendar.tradingDay(of: time)),
                        minute: MarketCalendar.closeMinute))?.last,
                openInterest: q.openInterest, optionVolume: q.volume, model: model, isOption: true,
                right: option.right.code)
        }
        let symbol = contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol
        guard let price = market.price(symbol, at: time) else { return nil }
        let day = market.calendar.tradingDay(of: time)
        let previous = market.previousClose(
            symbol, before: market.calendar.isTradingDay(day) ? day : day.adding(days: 1))
        let range = market.dayRange(symbol, at: time)
        let rounded = (price * 100).rounded() / 100
        let isIndex = symbol == "VIX"
        let bars = market.dailyBars(symbol, endingAt: time, count: 1)
        let hv =
            isIndex ? nil : Self.historicalVolatility(market.dailyBars(symbol, endingAt: time, count: 31).map(\.close))
        let atmIV =
            isIndex
            ? nil : market.volatility(symbol, strike: price, spot: price, years: 30.0 / 365, vix: market.vix(at: time))
        return SimQuote(
            bid: isIndex ? nil : rounded - 0.01, ask: isIndex ? nil : rounded + 0.01, last: rounded,
            bidSize: isIndex ? nil : size(1), askSize: isIndex ? nil : size(2), lastSize: isIndex ? nil : size(3),
            volume: isIndex ? nil : bars.last?.volume.map { ($0 / 100).rounded() },
            close: previous.map { ($0 * 100).rounded() / 100 },
            high: range.map { ($0.high * 100).rounded() / 100 }, low: range.map { ($0.low * 100).rounded() / 100 },
            open: bars.last.map { ($0.open * 100).rounded() / 100 }, historicalVolatility: hv, impliedVolatility: atmIV)
    }

    /// A combo's quote from its legs, as IB quotes a BAG: the bid sells the structure (bids of bought
    /// legs, asks of sold legs), the ask buys it; sizes are the smallest leg's; no option computations.
    func comboQuote(_ combo: TWSContract, at date: Date, delayed: Bool) -> SimQuote? {
        var bid = 0.0, ask = 0.0, bidSize = Double.infinity, askSize = Double.infinity
        for leg in combo.comboLegs {
            guard let contract = contract(conId: leg.conId),
                let q = quote(for: contract, at: date, delayed: delayed), let legBid = q.bid, let legAsk = q.ask
            else { return nil }
            let ratio = Double(leg.ratio)
            if leg.action == TWSAction.sell.rawValue {
                bid -= ratio * legAsk
                ask -= ratio * legBid
            } else {
                bid += ratio * legBid
                ask += ratio * legAsk
            }
            bidSize = min(bidSize, q.bidSize ?? 0)
            askSize = min(askSize, q.askSize ?? 0)
        }
        let round = { (x: Double) in (x * 100).rounded() / 100 }
        return SimQuote(
            bid: round(bid), ask: round(ask), last: round((bid + ask) / 2), bidSize: bidSize.isFinite ? bidSize : nil,
            askSize: askSize.isFinite ? askSize : nil)
    }

    static func option(from c: TWSContract, market: SimulatedMarket) -> OptionContract? {
        guard let right = OptionRight(code: c.right), let expiry = Expiry(c.lastTradeDateOrContractMonth),
            let strike = c.strike
        else { return nil }
        return OptionContract(symbol: c.symbol, expiry: expiry, strike: strike, right: right)
    }

    static func historicalVolatility(_ closes: [Double]) -> Double? {
        guard closes.count > 2 else { return nil }
        let returns = zip(closes.dropFirst(), closes).map { log($0 / $1) }
        let mean = returns.reduce(0, +) / Double(returns.count)
        let variance = returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count - 1)
        return (variance * 252).squareRoot()
    }

    func dailyBars(for contract: TWSContract, endingAt date: Date, count: Int) -> [TWSBar] {
        let symbol = contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol
        return market.dailyBars(symbol, endingAt: date, count: min(count, SimulatedMarket.historyDays - 5)).map { bar in
            TWSBar(
                date: bar.day.yyyymmdd, open: (bar.open * 100).rounded() / 100, high: (bar.high * 100).rounded() / 100,
                low: (bar.low * 100).rounded() / 100, close: (bar.close * 100).rounded() / 100,
                // An index has no volume: IB writes -1 (an empty field would break ib_async's decoder).
                volume: TWSDecimal(bar.volume.map { ($0 / 100).rounded() } ?? -1),
                wap: TWSDecimal(((bar.open + bar.close) / 2 * 1000).rounded() / 1000),
                barCount: bar.volume.map { Int($0 / 300) } ?? -1)
        }
    }

    func isRegularSession(_ date: Date) -> Bool { market.calendar.isRegularSession(date) }
}
