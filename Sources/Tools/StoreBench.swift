import Foundation
import OptionsModel
import SnapshotStore

/// The store benchmark of `papertrader bench store`: upsert throughput, latest-chain latency,
/// IV-history query time.
public struct StoreBench: Sendable {
    /// Collection cycles to write for the throughput figure.
    public var cycles = 20
    /// Contracts per symbol per cycle (3 symbols).
    public var contracts = 1500

    /// A run with the defaults above.
    public init() {}

    /// Runs the three measurements on a scratch store (deleted after) and returns the report's lines.
    public func run() throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "papertrader-bench-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Cleanup of a scratch directory: a leftover in the temp directory is not worth failing the run.
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("bench.sqlite").path)
        let start = Date(timeIntervalSince1970: 1_772_638_200)

        // 1. Upserts: realistic cycles, one transaction per symbol.
        var rows = 0
        let t0 = ContinuousClock.now
        for c in 0..<cycles {
            let time = start.addingTimeInterval(Double(c) * 300)
            let id = try store.beginCycle(startedAt: time)
            for symbol in ["SPY", "QQQ", "IWM"] {
                let chain = Self.chain(symbol, at: time, contracts: contracts)
                try store.recordSymbol(
                    cycleID: id, chain: chain, underlying: Self.underlying(symbol, at: time, iv: 0.2))
                rows += chain.options.count
            }
            try store.finishCycle(
                id: id, finishedAt: time, status: .ok, counts: [:], sources: [:], errors: [], notes: [])
        }
        let writeSeconds = seconds(ContinuousClock.now - t0)

        // 2. Latest-chain reads for 1,000 and 10,000 contracts.
        var latencies: [(Int, Double, Double)] = []
        for size in [1000, 10000] {
            let time = start.addingTimeInterval(86_400 * 3 + Double(size))
            let id = try store.beginCycle(startedAt: time)
            try store.recordSymbol(
                cycleID: id, chain: Self.chain("BENCH\(size)", at: time, contracts: size),
                underlying: Self.underlying("BENCH\(size)", at: time, iv: 0.2))
            var samples: [Double] = []
            for _ in 0..<(size == 1000 ? 200 : 40) {
                let t = ContinuousClock.now
                let chain = try store.latestChain(symbol: "BENCH\(size)", expiryFrom: nil, expiryTo: nil, right: nil)
                samples.append(seconds(ContinuousClock.now - t) * 1000)
                precondition(chain?.options.count == size, "latest chain lost rows")
            }
            samples.sort()
            latencies.append((size, samples[samples.count / 2], samples[Int(Double(samples.count) * 0.99) - 1]))
        }

        // 3. IV history over a year of 5-minute cycles for 3 symbols (underlying snapshots + daily ATM IV).
        let calendar = MarketCalendar()
        var day = calendar.tradingDay(of: start)
        var historyRows = 0
        for _ in 0..<252 {
            for minute in stride(from: 9 * 60 + 30, to: 16 * 60, by: 5) {
                let time = calendar.date(day, minute: minute)
                for symbol in ["SPY", "QQQ", "IWM"] {
                    try store.recordSymbol(
                        cycleID: 0,
                        chain: ChainSnapshot(
                            symbol: symbol, timestamp: time, underlyingPrice: 600, options: [], source: .simulator),
                        underlying: Self.underlying(symbol, at: time, iv: 0.15 + Double(minute % 60) / 1000))
                    historyRows += 1
                }
            }
            day = calendar.previousTradingDay(before: day)
        }
        var historyMs: [Double] = []
        for _ in 0..<50 {
            let t = ContinuousClock.now
            let history = try store.ivHistory(symbol: "SPY", days: 252, until: start)
            historyMs.append(seconds(ContinuousClock.now - t) * 1000)
            precondition(history.points.count == 252, "IV history lost days")
        }
        historyMs.sort()

        var lines = [
            "store benchmark (SQLite WAL, synchronous=NORMAL, \(ProcessInfo.processInfo.activeProcessorCount) cores)"
        ]
        lines.append(
            String(
                format:
                    "  upsert           %d rows in %.2f s = %.0f rows/s (%d cycles x 3 symbols x %d contracts, one transaction per symbol)",
                rows, writeSeconds, Double(rows) / writeSeconds, cycles, contracts))
        for (size, p50, p99) in latencies {
            lines.append(String(format: "  latest chain     %5d contracts: p50 %.2f ms, p99 %.2f ms", size, p50, p99))
        }
        lines.append(
            String(
                format:
                    "  IV history       252 days of SPY from %d underlying snapshots (a year of 5-minute cycles, 3 symbols): p50 %.2f ms",
                historyRows, historyMs[historyMs.count / 2]))
        return lines
    }

    static func chain(_ symbol: String, at time: Date, contracts: Int) -> ChainSnapshot {
        var options: [OptionQuote] = []
        options.reserveCapacity(contracts)
        for i in 0..<contracts {
            // A literal valid date: the unwrap cannot fail.
            let expiry = Expiry("20260417")!.adding(days: 7 * (i / 400))
            let contract = OptionContract(
                symbol: symbol, expiry: expiry, strike: 400 + Double((i % 400) / 2), right: i % 2 == 0 ? .call : .put)
            options.append(
                OptionQuote(
                    contract: contract,
                    quote: Quote(
                        bid: 1.0 + Double(i % 7), ask: 1.1 + Double(i % 7), last: 1.05, volume: 120, openInterest: 2000),
                    greeks: Greeks(impliedVolatility: 0.18, delta: 0.3, gamma: 0.01, theta: -0.05, vega: 0.2),
                    underlyingPrice: 600, source: .simulator))
        }
        return ChainSnapshot(
            symbol: symbol, timestamp: time, underlyingPrice: 600, options: options, source: .simulator)
    }

    static func underlying(_ symbol: String, at time: Date, iv: Double) -> UnderlyingSnapshot {
        UnderlyingSnapshot(
            symbol: symbol, timestamp: time, price: 600, vix: 16, trend: .neutral, ivRank: 50, atmIV: iv,
            source: .simulator)
    }
}
