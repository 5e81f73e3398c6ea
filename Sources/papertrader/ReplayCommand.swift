import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader replay`: the stored chains through the trader, one or more configurations compared.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the stored cycles through the trader with one or more configurations and compare them.",
        discussion: """
            Each configuration gets its own engine (the one `run` uses), an in-memory journal and the simulated \
            venue; the store (the first configuration's storage.path) is only read. --set sweeps one or two keys \
            over a grid, e.g. --set strategy.short_delta_target=0.16,0.20,0.25.
            """)

    @Option(name: .customLong("config"), help: "Configuration file (repeat to compare; default ./paper_trading.yaml).")
    var configs: [String] = []
    @Option(help: "First day replayed (YYYY-MM-DD).") var from: String?
    @Option(help: "Last day replayed (YYYY-MM-DD, inclusive).") var to: String?
    @Option(help: "Only these symbols, comma-separated.") var symbols: String?
    @Option(
        help:
            "Fill model: slippage (mid less execution.slippage, as run's simulated venue), mid, natural, or a fraction of the way from mid to natural (0.3)."
    )
    var fill = "slippage"
    @Option(name: .customLong("set"), help: "Sweep a key over values: key=v1,v2 (at most two --set).")
    var sets: [String] = []
    @Flag(help: "One JSON document.") var json = false
    @Option(help: "Also write a self-contained HTML report (equity curves, drawdowns) to this file.") var html: String?
    @Option(help: "Save each configuration's result under this name in the store's replay_results table.")
    var save: String?

    func validate() throws {
        guard ReplayRun.isFillModel(fill) else {
            throw ValidationError("--fill must be slippage, mid, natural or 0...1")
        }
        guard sets.count <= 2 else { throw ValidationError("at most two --set keys (a grid)") }
        for s in sets where ReplayRun.Axis(s) == nil {
            throw ValidationError("--set \(s): expected key=v1,v2 with a key of `papertrader config reference`")
        }
        for d in [from, to].compactMap({ $0 }) where ReplayRun.day(d) == nil {
            throw ValidationError("\(d) is not a day (YYYY-MM-DD)")
        }
    }

    func run() async throws {
        let plan: ReplayRun.Plan
        do {
            plan = try ReplayRun.plan(
                files: self.configs.isEmpty ? [nil] : self.configs, sweep: sets, fill: fill,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitStatus.fatal
        }
        let symbols = self.symbols?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        let terminal = isatty(STDERR_FILENO) == 1
        let began = ContinuousClock.now
        let report = try await ReplayRun.run(plan, from: from, to: to, symbols: symbols) { done, total in
            guard terminal, done % 10 == 0 || done == total else { return }
            let elapsed = ContinuousClock.now - began
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let eta = seconds / Double(done) * Double(total - done)
            FileHandle.standardError.write(Data("\r\u{1B}[Kcycles \(done)/\(total)  ETA \(Int(eta.rounded())) s".utf8))
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let html {
            try ReplayRun.html(report).write(toFile: html, atomically: true, encoding: .utf8)
        }
        if let save {
            let saved = try ReplayRun.save(report, name: save, plan: plan, at: Date())
            FileHandle.standardError.write(Data("saved \(saved) results as '\(save)' in replay_results\n".utf8))
        }
        print(json ? try JSONOutput.render(report) : ReplayRun.text(report))
    }
}
