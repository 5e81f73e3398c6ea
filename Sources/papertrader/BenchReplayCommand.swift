import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader bench replay`.
struct BenchReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Replay speed and memory over simulated history with full chains (written first if the store is empty).")

    @Option(help: "Store to use (kept, so a second run measures replay alone).") var db = "data/bench-replay.sqlite"
    @Option(help: "Trading days of history to write.") var days = 21
    @Option(help: "Strike range of the written chains (fraction of spot).") var strikeRange = 0.12
    @Option(help: "Expiries per symbol besides the strategy's.") var maxExpiries = 4

    func run() async throws {
        let figures = try await ReplayBench.run(
            path: db, days: days, strikeRangePct: strikeRange, maxExpiries: maxExpiries)
        for line in figures.lines { print(line) }
    }
}
