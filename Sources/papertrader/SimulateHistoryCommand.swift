import AppConfig
import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader simulate-history`: weeks of collection cycles from the simulated market in minutes.
struct SimulateHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-history",
        abstract:
            "Write collection cycles for the configured symbols straight from the simulated market into the store.",
        discussion: """
            The same chains, greeks, VIX and bars the gateway simulator serves, selected by the configuration's \
            collection and strategy as `run` selects them, at every collection slot of the span, without the \
            wire and its pacing; rows are marked source simulator. Replay them, or `explain` the last cycle.
            """)

    @OptionGroup var config: ConfigOption
    @Option(help: "Trading days to write.") var days = 30
    @Option(help: "The simulated market's seed.") var seed: UInt64 = 1
    @Option(help: "First day (YYYY-MM-DD, default: that many trading days before today).") var from: String?

    func validate() throws {
        guard (1...1000).contains(days) else { throw ValidationError("--days must be 1-1000") }
        if let from, !SimulateHistoryRun.isDay(from) { throw ValidationError("--from must be a date like 2026-03-02") }
    }

    func run() async throws {
        let loaded = try config.load()
        let start = SimulateHistoryRun.start(from: from, days: days)
        let terminal = isatty(STDERR_FILENO) == 1
        let began = ContinuousClock.now
        do {
            let summary = try await SimulateHistoryRun.run(
                config: loaded.config, seed: seed, from: start, days: days
            ) { done, total in
                guard terminal else { return }
                let elapsed = ContinuousClock.now - began
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let eta = done > 0 ? seconds / Double(done) * Double(total - done) : 0
                FileHandle.standardError.write(
                    Data("\r\u{1B}[Kcycles \(done)/\(total)  ETA \(Int(eta.rounded())) s".utf8))
            }
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print(
                "simulate-history: \(summary.cycles) cycles, \(summary.optionRows) option rows from \(summary.first.map(ISO8601.format) ?? "-") to \(summary.last.map(ISO8601.format) ?? "-") into \(loaded.config.storage.path)\(summary.failedCycles > 0 ? " (\(summary.failedCycles) failed)" : "")"
            )
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
