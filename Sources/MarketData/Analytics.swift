import OptionsModel

/// The market-picture calculations DESIGN.md fixes: IV rank, trend, ATM IV.
public enum MarketAnalytics {
    /// IV rank = (current - min) / (max - min) * 100 over the window's daily ATM IVs; 50.0 when
    /// fewer than `minimumDays` values exist or max == min. The result is clamped to 0...100.
    public static func ivRank(current: Double, history: [Double], minimumDays: Int = 30) -> Double {
        let values = history.filter { $0.isFinite }
        guard values.count >= minimumDays, let low = values.min(), let high = values.max(), high > low else {
            return 50.0
        }
        return min(100, max(0, (current - low) / (high - low) * 100))
    }

    /// IV rank when the history can give one: nil with fewer than `minimumDays` values or a flat
    /// history (the 50.0 placeholder of `ivRank` is then not a measurement).
    public static func knownIVRank(current: Double, history: [Double], minimumDays: Int = 30) -> Double? {
        let values = history.filter { $0.isFinite }
        guard values.count >= minimumDays, let low = values.min(), let high = values.max(), high > low else {
            return nil
        }
        return ivRank(current: current, history: values, minimumDays: minimumDays)
    }

    /// Simple moving average of the last `period` values; nil when there are fewer.
    public static func sma(_ values: [Double], period: Int) -> Double? {
        guard period > 0, values.count >= period else { return nil }
        return values.suffix(period).reduce(0, +) / Double(period)
    }

    /// Uptrend when price > SMA20 > SMA50, downtrend when price < SMA20 < SMA50, else neutral
    /// (also neutral with fewer than 50 closes). `closes` are oldest first; `price` defaults to the last.
    public static func trend(closes: [Double], price: Double? = nil) -> Trend {
        guard let sma20 = sma(closes, period: 20), let sma50 = sma(closes, period: 50),
            let p = price ?? closes.last
        else { return .neutral }
        if p > sma20 && sma20 > sma50 { return .uptrend }
        if p < sma20 && sma20 < sma50 { return .downtrend }
        return .neutral
    }

    /// ATM IV of one expiry: the IVs of the strikes nearest the underlying (calls and puts averaged),
    /// linearly interpolated between the strikes on either side of spot; nil without usable IVs on
    /// both sides.
    public static func atmIV(of options: [OptionQuote], underlying: Double) -> Double? {
        var byStrike: [Double: [Double]] = [:]
        for o in options {
            guard let iv = o.greeks.impliedVolatility, iv.isFinite, iv > 0 else { continue }
            byStrike[o.contract.strike, default: []].append(iv)
        }
        let strikes = byStrike.keys.sorted()
        guard !strikes.isEmpty else { return nil }
        func iv(at strike: Double) -> Double {
            let values = byStrike[strike] ?? []
            return values.reduce(0, +) / Double(values.count)
        }
        let below = strikes.last { $0 <= underlying }
        let above = strikes.first { $0 >= underlying }
        // A strike on each side of spot (or at it): one-sided IVs (a held leg far out of the money,
        // a chain cut off by its strike range) are not at the money.
        switch (below, above) {
        case let (b?, a?) where a > b:
            let weight = (underlying - b) / (a - b)
            return iv(at: b) * (1 - weight) + iv(at: a) * weight
        case let (b?, a?): return iv(at: b) * 0.5 + iv(at: a) * 0.5
        default: return nil
        }
    }

    /// ATM IV at a constant maturity (default 30 days): the per-expiry ATM IVs of the two expiries
    /// around the target interpolated in total variance (sigma^2 * t), or the nearest one alone.
    public static func constantMaturityATMIV(
        chain: [OptionQuote], underlying: Double, today: TradingDay, targetDays: Int = 30
    ) -> Double? {
        var perExpiry: [(days: Int, iv: Double)] = []
        for expiry in Set(chain.map(\.contract.expiry)).sorted() {
            let days = expiry.days(since: today)
            guard days > 0, let iv = atmIV(of: chain.filter { $0.contract.expiry == expiry }, underlying: underlying)
            else {
                continue
            }
            perExpiry.append((days, iv))
        }
        guard !perExpiry.isEmpty else { return nil }
        let before = perExpiry.last { $0.days <= targetDays }
        let after = perExpiry.first { $0.days >= targetDays }
        switch (before, after) {
        case let (b?, a?) where a.days > b.days:
            let t = Double(targetDays), t1 = Double(b.days), t2 = Double(a.days)
            let variance = (b.iv * b.iv * t1 * (t2 - t) + a.iv * a.iv * t2 * (t - t1)) / (t2 - t1)
            return (variance / t).squareRoot()
        case let (b?, _): return b.iv
        case let (_, a?): return a.iv
        default: return nil
        }
    }
}
