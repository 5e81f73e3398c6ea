import Foundation
import OptionsModel
import Synchronization

/// The simulated market: underlyings on seeded random walks (daily closes plus an intraday
/// Brownian bridge), VIX moving inversely, option chains priced with Black-Scholes-Merton on a
/// skewed volatility surface tied to VIX. Deterministic for a seed and a reference day: every value
/// is a pure function of (seed, time).
public final class SimulatedMarket: Sendable {
    /// Static facts about one underlying.
    public struct Profile: Sendable {
        public let symbol: String
        public let conId: Int
        public let basePrice: Double
        /// Annualised volatility of the walk.
        public let volatility: Double
        /// ATM implied vol as a multiple of VIX / 100.
        public let vixMultiple: Double
        public let dividendYield: Double
        public let index: Int
    }

    public let seed: UInt64
    public let calendar = MarketCalendar()
    public let profiles: [Profile]
    /// The anchor trading day: its previous close is each symbol's base price.
    public let anchor: TradingDay
    public static let riskFreeRate = 0.04
    static let historyDays = 800
    static let futureDays = 800

    /// Daily closes per symbol (and "VIX") keyed by trading-day number, built once.
    private let closes: [String: [Int: Double]]
    private let tradingDayNumbers: [Int]
    private let minutePaths = Mutex([String: [Double]]())

    /// A market for `symbols` (SPY, QQQ, IWM have realistic defaults), anchored at `reference`.
    public init(seed: UInt64, symbols: [String], reference: Date) {
        self.seed = seed
        let calendar = MarketCalendar()
        let known: [String: (Int, Double, Double, Double, Double)] = [
            "SPY": (756_733, 600, 0.16, 0.95, 0.013), "QQQ": (320_227_571, 520, 0.21, 1.25, 0.006),
            "IWM": (9_579_970, 220, 0.23, 1.4, 0.012),
        ]
        var profiles: [Profile] = []
        for (i, symbol) in symbols.prefix(15).enumerated() {
            let stream = DeterministicNoise.stream(symbol)
            if let k = known[symbol] {
                let jitter = 1 + 0.03 * (DeterministicNoise.uniform(seed, stream, -1) - 0.5) * 2
                profiles.append(
                    Profile(
                        symbol: symbol, conId: k.0, basePrice: (k.1 * jitter * 100).rounded() / 100,
                        volatility: k.2, vixMultiple: k.3, dividendYield: k.4, index: i))
            } else {
                let price = (40 + 360 * DeterministicNoise.uniform(seed, stream, -2)).rounded()
                profiles.append(
                    Profile(
                        symbol: symbol, conId: 110_000 + i * 17, basePrice: price,
                        volatility: 0.28, vixMultiple: 1.7, dividendYield: 0.0, index: i))
            }
        }
        self.profiles = profiles
        var day = calendar.tradingDay(of: reference)
        if !calendar.isTradingDay(day) { day = calendar.nextTradingDay(after: day) }
        self.anchor = day
        var days: [Int] = []
        var d = anchor
        for _ in 0..<Self.historyDays { d = calendar.previousTradingDay(before: d) }
        for _ in 0..<(Self.historyDays + Self.futureDays) {
            days.append(d.dayNumber)
            d = calendar.nextTradingDay(after: d)
        }
        self.tradingDayNumbers = days
        self.closes = Self.buildCloses(seed: seed, profiles: profiles, days: days, anchor: anchor.dayNumber)
    }

    /// Daily log returns with a common market factor (correlation ~0.85) and a mean-reverting VIX
    /// that moves against the market factor.
    static func buildCloses(seed: UInt64, profiles: [Profile], days: [Int], anchor: Int) -> [String: [Int: Double]] {
        let market = DeterministicNoise.stream("market-factor")
        let rho = 0.85
        var result: [String: [Int: Double]] = [:]
        guard let anchorIndex = days.firstIndex(of: anchor) else { return result }
        for p in profiles {
            let stream = DeterministicNoise.stream(p.symbol)
            let sigma = p.volatility / 252.0.squareRoot()
            var returns = [Double](repeating: 0, count: days.count)
            for (i, day) in days.enumerated() {
                let zm = DeterministicNoise.normal(seed, market, Int64(day))
                let zi = DeterministicNoise.normal(seed, stream, Int64(day))
                returns[i] = sigma * (rho * zm + (1 - rho * rho).squareRoot() * zi) - 0.5 * sigma * sigma + 0.0003
            }
            var closes: [Int: Double] = [:]
            // The close before the anchor day is the base price; walk both ways from there.
            var logPrice = log(p.basePrice)
            closes[days[anchorIndex - 1]] = p.basePrice
            for i in anchorIndex..<days.count {
                logPrice += returns[i]
                closes[days[i]] = exp(logPrice)
            }
            logPrice = log(p.basePrice)
            for i in stride(from: anchorIndex - 2, through: 0, by: -1) {
                logPrice -= returns[i + 1]
                closes[days[i]] = exp(logPrice)
            }
            result[p.symbol] = closes
        }
        // VIX: log-OU around 16, shocked against the market factor, floor 9.
        var vix: [Int: Double] = [:]
        var logVIX = log(16.0)
        let vixStream = DeterministicNoise.stream("VIX")
        for day in days {
            let zm = DeterministicNoise.normal(seed, market, Int64(day))
            let zv = DeterministicNoise.normal(seed, vixStream, Int64(day))
            logVIX += 0.06 * (log(16.0) - logVIX) - 0.055 * zm + 0.03 * zv
            logVIX = max(log(9.0), min(log(80.0), logVIX))
            vix[day] = exp(logVIX)
        }
        result["VIX"] = vix
        return result
    }

    // MARK: Lookup

    /// The profile of a symbol.
    public func profile(_ symbol: String) -> Profile? { profiles.first { $0.symbol == symbol } }

    /// IB conId of the VIX index.
    public static let vixConId = 13_455_763

    /// The close of a trading day (nil outside the simulated range).
    public func close(_ symbol: String, on day: TradingDay) -> Double? {
        closes[symbol]?[day.dayNumber]
    }

    /// The last close strictly before `day`.
    public func previousClose(_ symbol: String, before day: TradingDay) -> Double? {
        close(symbol, on: calendar.previousTradingDay(before: day))
    }

    // MARK: Prices over time

    /// Minute path (391 points, 09:30 ... 16:00) of a day: a Brownian bridge from the previous close
    /// to the day's close; VIX's path mirrors SPY's bridge noise with the opposite sign.
    func minutePath(_ symbol: String, day: TradingDay) -> [Double]? {
        let key = "\(symbol)|\(day.dayNumber)"
        if let cached = minutePaths.withLock({ $0[key] }) { return cached }
        guard let open = previousClose(symbol, before: day), let close = close(symbol, on: day) else { return nil }
        let isVIX = symbol == "VIX"
        let noiseSymbol = isVIX ? (profiles.first?.symbol ?? "SPY") : symbol
        let stream = DeterministicNoise.stream("intraday-" + noiseSymbol)
        let vol = isVIX ? 0.9 : (profile(symbol)?.volatility ?? 0.2)
        let minuteSigma = vol / (252.0 * 390).squareRoot() * (isVIX ? -1 : 1)
        var walk = [Double](repeating: 0, count: 391)
        for m in 1...390 {
            walk[m] =
                walk[m - 1] + minuteSigma
                * DeterministicNoise.normal(seed, stream, Int64(day.dayNumber) * 1000 + Int64(m))
        }
        let end = walk[390]
        let a = log(open), b = log(close)
        var path = [Double](repeating: 0, count: 391)
        for m in 0...390 {
            let f = Double(m) / 390
            path[m] = exp(a + (b - a) * f + walk[m] - f * end)
        }
        minutePaths.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[key] = path
        }
        return path
    }

    /// The price of an underlying (or "VIX") at `date`: the intraday path during the session, the
    /// last close outside it.
    public func price(_ symbol: String, at date: Date) -> Double? {
        let day = calendar.tradingDay(of: date)
        guard calendar.isTradingDay(day) else {
            return previousClose(symbol, before: day.adding(days: 1))
        }
        let minute = calendar.minuteOfDay(date) - MarketCalendar.openMinute
        if minute < 0 { return previousClose(symbol, before: day) }
        let closeMinute = (calendar.closeMinute(on: day) ?? MarketCalendar.closeMinute) - MarketCalendar.openMinute
        if minute >= closeMinute { return close(symbol, on: day) }
        guard let path = minutePath(symbol, day: day) else { return nil }
        // Early-close days compress the same path into the shorter session.
        let scaled = Double(minute) / Double(closeMinute) * 390
        let seconds = Double(Int(date.timeIntervalSince1970) % 60) / 60 / Double(closeMinute) * 390
        let position = min(390, scaled + seconds)
        let lower = Int(position), upper = min(390, lower + 1)
        let w = position - Double(lower)
        return path[lower] * (1 - w) + path[upper] * w
    }

    /// VIX at `date`.
    public func vix(at date: Date) -> Double { price("VIX", at: date) ?? 16 }

    /// Session high and low so far of a day (the open ... now part of the path).
    func dayRange(_ symbol: String, at date: Date) -> (high: Double, low: Double)? {
        let day = calendar.tradingDay(of: date)
        guard calendar.isTradingDay(day), let path = minutePath(symbol, day: day) else { return nil }
        let minute = calendar.minuteOfDay(date) - MarketCalendar.openMinute
        guard minute >= 0 else { return nil }
        let slice = path[0...min(390, max(0, minute))]
        return (slice.max() ?? path[0], slice.min() ?? path[0])
    }

    /// Daily bars of `symbol` (or "VIX") for the `count` trading days ending at `date` (today's bar
    /// is partial during the session), oldest first.
    public func dailyBars(_ symbol: String, endingAt date: Date, count: Int) -> [Bar] {
        var day = calendar.tradingDay(of: date)
        let includeToday = calendar.isTradingDay(day) && calendar.minuteOfDay(date) >= MarketCalendar.openMinute
        if !includeToday { day = calendar.previousTradingDay(before: day) }
        var days: [TradingDay] = [day]
        while days.count < count {
            day = calendar.previousTradingDay(before: day)
            days.append(day)
        }
        let stream = DeterministicNoise.stream("volume-" + symbol)
        return days.reversed().compactMap { d -> Bar? in
            guard let path = minutePath(symbol, day: d) else { return nil }
            let isToday = d == calendar.tradingDay(of: date) && includeToday
            let lastMinute = isToday ? min(390, max(0, calendar.minuteOfDay(date) - MarketCalendar.openMinute)) : 390
            let slice = path[0...lastMinute]
            let close = isToday ? (price(symbol, at: date) ?? path[lastMinute]) : path[390]
            let volume =
                symbol == "VIX"
                ? nil
                : (5e7 + 4e7 * DeterministicNoise.uniform(seed, stream, Int64(d.dayNumber))).rounded()
                    * Double(lastMinute) / 390
            return Bar(
                day: d, open: path[0], high: max(slice.max() ?? close, close), low: min(slice.min() ?? close, close),
                close: close, volume: volume)
        }
    }

    /// The 30-day at-the-money implied volatility of an underlying at `date` (what IB's
    /// OPTION_IMPLIED_VOLATILITY bars carry): the surface at spot; nil for VIX.
    public func atmImpliedVolatility(_ symbol: String, at date: Date) -> Double? {
        guard symbol != "VIX", let spot = price(symbol, at: date) else { return nil }
        return volatility(symbol, strike: spot, spot: spot, years: 30.0 / 365, vix: vix(at: date))
    }

    /// `atmImpliedVolatility` at each of the last `count` trading days' close, oldest first.
    public func impliedVolatilityHistory(_ symbol: String, endingAt date: Date, count: Int) -> [(
        day: TradingDay, iv: Double
    )] {
        dailyBars(symbol, endingAt: date, count: count).compactMap { bar in
            let close = calendar.date(bar.day, minute: calendar.closeMinute(on: bar.day) ?? MarketCalendar.closeMinute)
            return atmImpliedVolatility(symbol, at: min(close, date)).map { (bar.day, $0) }
        }
    }

    // MARK: Option chains

    /// Underlyings with an expiry every trading day (Mon-Fri), as SPY and QQQ are listed now.
    public static let dailyExpirySymbols: Set<String> = ["SPY", "QQQ"]

    /// Listed expiries: for SPY and QQQ every trading day of the next four weeks; weekly Fridays out to
    /// 20 weeks, then monthly third Fridays out to a year, then the January LEAPS of the next two years;
    /// a holiday Friday expires on Thursday.
    public func expiries(_ symbol: String, at date: Date) -> [Expiry] {
        let today = calendar.tradingDay(of: date)
        var result: [Expiry] = []
        if Self.dailyExpirySymbols.contains(symbol) {
            var day = today
            while day.days(since: today) <= 28 {
                if calendar.isTradingDay(day) { result.append(day) }
                day = day.adding(days: 1)
            }
        }
        var d = today
        while d.isoWeekday != 5 { d = d.adding(days: 1) }
        let horizon = today.adding(days: 366)
        while d <= horizon {
            let weekly = d.days(since: today) <= 140
            let monthly = d.day >= 15 && d.day <= 21
            if weekly || monthly {
                let expiry = calendar.isTradingDay(d) ? d : calendar.previousTradingDay(before: d)
                if expiry >= today { result.append(expiry) }
            }
            d = d.adding(days: 7)
        }
        for year in [today.year + 1, today.year + 2] {
            guard var january = Expiry(year: year, month: 1, day: 15) else { continue }
            while january.isoWeekday != 5 { january = january.adding(days: 1) }
            let expiry = calendar.isTradingDay(january) ? january : calendar.previousTradingDay(before: january)
            if expiry > horizon { result.append(expiry) }
        }
        return Array(Set(result)).sorted()
    }

    /// Listed strikes: $1 within 10% (50c under $50) and $5 out to 30% of the previous close, and
    /// once listed a strike stays listed, as on an exchange: the band of every close since the
    /// expiry was listed (at most 60 days back) is included, so held positions never lose a leg.
    public func strikes(_ symbol: String, expiry: Expiry, at date: Date) -> [Double] {
        let today = calendar.tradingDay(of: date)
        // An expiry listed less than 60 days ago (or not yet 120 days out) keeps the strikes of every close
        // since; a far expiry (LEAPS) was listed long ago: the last 60 days. Never later than today.
        let first = min(today, max(expiry.adding(days: -120), today.adding(days: -60)))
        var closes: [Double] = []
        var day = today.adding(days: 1)
        while day > first {
            if let close = previousClose(symbol, before: day) { closes.append(close) }
            day = day.adding(days: -7)
        }
        guard let reference = closes.first else { return [] }
        var listed = Set<Double>()
        for close in closes { listed.formUnion(Self.strikeGrid(around: close)) }
        // Coarse strikes only around today's reference, so far wings stay sparse.
        return listed.filter { $0 > 0 && $0 <= 2047.5 && abs($0 - reference) <= reference * 0.30 }.sorted()
    }

    static func strikeGrid(around reference: Double) -> [Double] {
        let fine = reference < 50 ? 0.5 : 1.0
        var strikes: [Double] = []
        var k = (reference * 0.70 / 5).rounded(.down) * 5
        while k <= reference * 1.30 {
            let inner = abs(k - reference) <= reference * 0.10
            if inner || k.truncatingRemainder(dividingBy: 5) == 0 { strikes.append(k) }
            k += inner ? fine : (k.truncatingRemainder(dividingBy: 5) == 0 ? 5 : fine)
        }
        return strikes
    }

    /// The reversible conId of an option: 500,000,000 + symbol(4 bits) | day offset(12) | half-strike(12) | right(1).
    public func optionConId(_ contract: OptionContract) -> Int? {
        guard let p = profile(contract.symbol) else { return nil }
        let dayOffset = contract.expiry.dayNumber - Self.conIdEpoch
        let halfStrike = Int((contract.strike * 2).rounded())
        guard (0..<4096).contains(dayOffset), (1..<4096).contains(halfStrike),
            abs(Double(halfStrike) / 2 - contract.strike) < 1e-9
        else { return nil }
        return 500_000_000 + (p.index << 25 | dayOffset << 13 | halfStrike << 1 | (contract.right == .put ? 1 : 0))
    }

    /// The option a conId stands for.
    public func option(conId: Int) -> OptionContract? {
        let code = conId - 500_000_000
        guard code >= 0, code < 1 << 29 else { return nil }
        let index = code >> 25
        guard index < profiles.count else { return nil }
        let expiry = Expiry(dayNumber: Self.conIdEpoch + (code >> 13 & 4095))
        let strike = Double(code >> 1 & 4095) / 2
        let right: OptionRight = code & 1 == 1 ? .put : .call
        var contract = OptionContract(symbol: profiles[index].symbol, expiry: expiry, strike: strike, right: right)
        contract.conId = conId
        contract.tradingClass = profiles[index].symbol
        return contract
    }

    static let conIdEpoch = Expiry(year: 2020, month: 1, day: 1)!.dayNumber

    // MARK: Quotes

    /// A simulated option quote with IB-style model values.
    public struct OptionQuoteSnapshot: Sendable, Equatable {
        public var bid: Double
        public var ask: Double
        public var last: Double
        public var bidSize: Double
        public var askSize: Double
        public var volume: Double
        public var openInterest: Double
        /// nil where IB sends a "not computed" sentinel (sometimes deep in the money).
        public var impliedVol: Double?
        public var delta: Double?
        public var gamma: Double?
        /// Per volatility point.
        public var vega: Double?
        /// Per calendar day.
        public var theta: Double?
        public var modelPrice: Double
        public var pvDividend: Double
        public var underlying: Double
    }

    /// The volatility surface: ATM vol from VIX with a term structure that inverts when VIX is high,
    /// plus put skew and smile in log-moneyness scaled by 1/sqrt(T).
    public func volatility(_ symbol: String, strike: Double, spot: Double, years t: Double, vix: Double) -> Double {
        let multiple = profile(symbol)?.vixMultiple ?? 1.5
        let atm30 = vix / 100 * multiple
        let slope = vix < 20 ? 0.06 : (vix > 25 ? -0.10 : 0.06 - 0.16 * (vix - 20) / 5)
        let atm = atm30 * pow(max(t, 1.0 / 365) / (30.0 / 365), slope)
        let k = log(strike / spot)
        let scale = (0.25 / max(t, 1.0 / 365)).squareRoot()
        let sigma = atm + (-0.18 * k * scale + 0.35 * k * k * scale) * (atm / 0.16).squareRoot()
        return min(2.5, max(0.04, sigma))
    }

    /// The quote of an option at `date`.
    public func optionQuote(_ contract: OptionContract, at date: Date) -> OptionQuoteSnapshot? {
        guard let p = profile(contract.symbol), let spot = price(contract.symbol, at: date) else { return nil }
        let expiryClose = calendar.date(contract.expiry, minute: MarketCalendar.closeMinute)
        let seconds = expiryClose.timeIntervalSince(date)
        let t = max(seconds, 60) / (365 * 86_400)
        let vix = self.vix(at: date)
        let sigma = volatility(contract.symbol, strike: contract.strike, spot: spot, years: t, vix: vix)
        let r = Self.riskFreeRate, q = p.dividendYield
        let bs = BlackScholes.evaluate(
            right: contract.right, spot: spot, strike: contract.strike, time: t, rate: r, dividendYield: q,
            volatility: sigma)
        let moneynessSD = abs(log(contract.strike / spot)) / max(0.01, sigma * t.squareRoot())
        let tick = 0.01
        let half = max(0.01, min(0.60, 0.004 * bs.price + 0.01 + 0.01 * moneynessSD))
        var bid = ((bs.price - half) / tick).rounded(.down) * tick
        var ask = ((bs.price + half) / tick).rounded(.up) * tick
        bid = max(0, (bid * 100).rounded() / 100)
        ask = max(bid + tick, (ask * 100).rounded() / 100)
        let key = Int64(optionConId(contract) ?? 0)
        let stream = DeterministicNoise.stream("option-activity")
        let activity = exp(-0.5 * moneynessSD * moneynessSD) * (p.symbol == "SPY" ? 1 : 0.5)
        let day = Int64(calendar.tradingDay(of: date).dayNumber)
        let oi = (200 + 30_000 * activity * DeterministicNoise.uniform(seed, stream, key)).rounded()
        let volume = (10 + 8_000 * activity * DeterministicNoise.uniform(seed, stream, key &* 31 &+ day)).rounded()
        let size = { (salt: Int64) in
            (1 + 150 * DeterministicNoise.uniform(self.seed, stream, key &* 7 &+ salt &+ day)).rounded()
        }
        // IB leaves deep in-the-money computations uncomputed now and then.
        let uncomputed = abs(bs.delta) > 0.97 && DeterministicNoise.uniform(seed, stream, key &* 13) < 0.35
        return OptionQuoteSnapshot(
            bid: bid, ask: ask, last: ((bs.price / tick).rounded() * tick * 100).rounded() / 100,
            bidSize: size(1), askSize: size(2), volume: volume, openInterest: oi,
            impliedVol: uncomputed ? nil : sigma, delta: uncomputed ? nil : bs.delta,
            gamma: uncomputed ? nil : bs.gamma,
            vega: uncomputed ? nil : bs.vegaPerPoint, theta: uncomputed ? nil : bs.thetaPerDay,
            modelPrice: bs.price, pvDividend: spot * (1 - exp(-q * t)), underlying: spot)
    }
}
