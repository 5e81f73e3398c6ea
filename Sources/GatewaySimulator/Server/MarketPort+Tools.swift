import Foundation
import OptionsModel
import TWSWire

/// The market's answers to the option trader's tools: history start, model calculations, symbol
/// search and 5-second bars.
extension MarketPort {
    /// The first instant with history: the simulated past's first session open (an option's history
    /// starts at most a year before its expiry).
    func firstHistory(for contract: TWSContract, at date: Date) -> Date {
        var day = market.calendar.tradingDay(of: date)
        for _ in 0..<(SimulatedMarket.historyDays - 6) { day = market.calendar.previousTradingDay(before: day) }
        if contract.secType == TWSSecurityType.option.rawValue, let option = market.option(conId: contract.conId) {
            var listed = option.expiry.adding(days: -365)
            if !market.calendar.isTradingDay(listed) { listed = market.calendar.nextTradingDay(after: listed) }
            day = max(day, listed)
        }
        return market.calendar.date(day, minute: MarketCalendar.openMinute)
    }

    /// The model's values for an option at a given option price (implied volatility) or volatility
    /// (option price), on the given or current underlying price; nil when no volatility fits.
    func computation(
        for contract: TWSContract, optionPrice: Double?, volatility: Double?, underlying: Double?, at date: Date
    ) -> TWSTickOptionComputation? {
        guard let option = market.option(conId: contract.conId), let profile = market.profile(option.symbol),
            let spot = underlying ?? market.price(option.symbol, at: date), spot > 0
        else { return nil }
        let expiryClose = market.calendar.date(option.expiry, minute: MarketCalendar.closeMinute)
        let t = max(expiryClose.timeIntervalSince(date), 60) / (365 * 86_400)
        let r = SimulatedMarket.riskFreeRate, q = profile.dividendYield
        let sigma: Double
        if let optionPrice {
            guard
                let implied = BlackScholes.impliedVolatility(
                    price: optionPrice, right: option.right, spot: spot, strike: option.strike, time: t, rate: r,
                    dividendYield: q)
            else { return nil }
            sigma = implied
        } else {
            guard let volatility, volatility > 0 else { return nil }
            sigma = volatility
        }
        let bs = BlackScholes.evaluate(
            right: option.right, spot: spot, strike: option.strike, time: t, rate: r, dividendYield: q,
            volatility: sigma)
        var c = TWSTickOptionComputation()
        c.tickAttrib = 1
        c.impliedVol = sigma
        c.delta = bs.delta
        c.optPrice = bs.price
        c.pvDividend = spot * (1 - exp(-q * t))
        c.gamma = bs.gamma
        c.vega = bs.vegaPerPoint
        c.theta = bs.thetaPerDay
        c.undPrice = spot
        return c
    }

    /// Instruments whose symbol starts with, or whose name contains, `pattern` (case-insensitive).
    func matchingSymbols(_ pattern: String) -> [SimMessages.SymbolSample] {
        let needle = pattern.uppercased().trimmingCharacters(in: .whitespaces)
        guard !needle.isEmpty else { return [] }
        var out: [SimMessages.SymbolSample] = []
        for p in market.profiles {
            let name = SimulatorContracts.longName(p.symbol)
            guard p.symbol.hasPrefix(needle) || name.uppercased().contains(needle) else { continue }
            let stock = SimulatorContracts.stock(p)
            out.append(
                SimMessages.SymbolSample(
                    conId: p.conId, symbol: p.symbol, secType: TWSSecurityType.stock.rawValue,
                    primaryExchange: stock.primaryExchange,
                    derivativeSecTypes: [TWSSecurityType.option.rawValue], description: name))
        }
        if "VIX".hasPrefix(needle) || "CBOE VOLATILITY INDEX".contains(needle) {
            out.append(
                SimMessages.SymbolSample(
                    conId: SimulatedMarket.vixConId, symbol: "VIX", secType: TWSSecurityType.index.rawValue,
                    primaryExchange: "CBOE",
                    derivativeSecTypes: [], description: SimulatorContracts.longName("VIX")))
        }
        return out
    }

    /// The 5-second bar starting at epoch second `start`, nil outside the regular session.
    func fiveSecondBar(for contract: TWSContract, start: Double) -> SimMessages.FiveSecondBar? {
        let begin = Date(timeIntervalSince1970: start)
        guard market.calendar.isRegularSession(begin) else { return nil }
        var prices: [Double] = []
        for second in 0...5 {
            let at = begin.addingTimeInterval(Double(second))
            if contract.secType == TWSSecurityType.option.rawValue, let option = market.option(conId: contract.conId) {
                if let q = market.optionQuote(option, at: at) { prices.append((q.bid + q.ask) / 2) }
            } else if let p = market.price(
                contract.secType == TWSSecurityType.index.rawValue ? "VIX" : contract.symbol, at: at)
            {
                prices.append(p)
            }
        }
        guard let first = prices.first, let last = prices.last, let high = prices.max(), let low = prices.min()
        else { return nil }
        let round = { (x: Double) in (x * 100).rounded() / 100 }
        let stream = DeterministicNoise.stream("bars-" + contract.symbol)
        let noise = DeterministicNoise.uniform(market.seed, stream, Int64(start))
        let volume =
            contract.secType == TWSSecurityType.index.rawValue
            ? 0 : (noise * (contract.secType == TWSSecurityType.option.rawValue ? 20 : 4_000)).rounded()
        return SimMessages.FiveSecondBar(
            time: Int(start), open: round(first), high: round(high), low: round(low), close: round(last),
            volume: volume, wap: round(prices.reduce(0, +) / Double(prices.count)),
            count: Int(volume / (contract.secType == TWSSecurityType.option.rawValue ? 2 : 100)))
    }
}
