import OptionsModel

/// Beta to a benchmark from daily closes.
public enum Beta {
    /// Fewer daily returns than this in the window and the beta is not estimated.
    public static let minimumReturns = 20

    /// cov(r, r_benchmark) / var(r_benchmark) of close-to-close returns over the last `lookback` days
    /// both series have; nil with fewer than `minimumReturns` returns or a flat benchmark.
    public static func estimate(_ closes: [Bar], benchmark: [Bar], lookback: Int) -> Double? {
        let bench = Dictionary(benchmark.map { ($0.day, $0.close) }, uniquingKeysWith: { _, b in b })
        let common = closes.sorted { $0.day < $1.day }.compactMap { bar in
            bench[bar.day].map { (bar.close, $0) }
        }.suffix(lookback + 1)
        let pairs = Array(common)
        guard pairs.count > minimumReturns else { return nil }
        var xs: [Double] = []
        var ys: [Double] = []
        for i in 1..<pairs.count where pairs[i - 1].0 > 0 && pairs[i - 1].1 > 0 {
            ys.append(pairs[i].0 / pairs[i - 1].0 - 1)
            xs.append(pairs[i].1 / pairs[i - 1].1 - 1)
        }
        guard xs.count >= minimumReturns else { return nil }
        let n = Double(xs.count)
        let mx = xs.reduce(0, +) / n
        let my = ys.reduce(0, +) / n
        let cov = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let variance = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard variance > 0 else { return nil }
        return cov / variance
    }
}
