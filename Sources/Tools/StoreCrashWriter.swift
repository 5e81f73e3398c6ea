import Foundation
import OptionsModel
import SnapshotStore

/// The writer of the crash-safety test (`papertrader store crash-writer`): cycles of full chains in a
/// loop until the process is killed with SIGKILL mid-write.
public enum StoreCrashWriter {
    /// Writes cycles of `contracts` options per symbol into `db` forever (returns only by throwing).
    public static func run(db: String, contracts: Int) throws {
        let store = try SQLiteStore(path: db)
        var time = Date(timeIntervalSince1970: 1_772_638_200)
        while true {
            let cycle = try store.beginCycle(startedAt: time)
            for symbol in ["SPY", "QQQ", "IWM"] {
                var options: [OptionQuote] = []
                for i in 0..<contracts {
                    let contract = OptionContract(
                        // A literal valid date: the unwrap cannot fail.
                        symbol: symbol, expiry: Expiry("20260417")!.adding(days: 7 * (i / 400)),
                        strike: Double(400 + (i % 400) / 2), right: i % 2 == 0 ? .call : .put)
                    options.append(
                        OptionQuote(
                            contract: contract, quote: Quote(bid: 1, ask: 1.1),
                            greeks: Greeks(impliedVolatility: 0.2, delta: 0.3), underlyingPrice: 600, source: .simulator
                        ))
                }
                let chain = ChainSnapshot(
                    symbol: symbol, timestamp: time, underlyingPrice: 600, options: options, source: .simulator)
                try store.recordSymbol(
                    cycleID: cycle, chain: chain,
                    underlying: UnderlyingSnapshot(
                        symbol: symbol, timestamp: time, price: 600, vix: 16, trend: .neutral, ivRank: 50, atmIV: 0.2,
                        source: .simulator))
            }
            try store.finishCycle(
                id: cycle, finishedAt: time, status: .ok, counts: [:], sources: [:], errors: [], notes: [])
            time.addTimeInterval(300)
        }
    }
}
