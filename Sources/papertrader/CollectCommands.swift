import AppConfig
import ArgumentParser
import Foundation
import GatewaySimulator
import Logging
import MarketData
import Orchestrator
import SnapshotStore
import Trading

/// Options shared by `run` and `collect-once`.
struct RuntimeArguments: ParsableArguments {
    @OptionGroup var config: ConfigOption
    @Flag(help: "Start the built-in gateway simulator in-process and connect to it.") var simulator = false
    @Option(help: "Simulator start time, ISO 8601 (default: the latest regular session open).") var simStart: String?

    func validate() throws {
        if let simStart, ISO8601.parse(simStart) == nil {
            throw ValidationError("--sim-start '\(simStart)' is not an ISO 8601 time like 2026-03-04T10:30:00-05:00")
        }
    }

    func options(clockSpeed: Double) throws -> RuntimeOptions {
        RuntimeOptions(
            loaded: try config.load(), simulator: simulator, simulatorStart: simStart.flatMap(ISO8601.parse),
            clockSpeed: clockSpeed)
    }
}

/// Logging to stderr at the configured level (only the executable bootstraps logging).
enum CLILogging {
    static func bootstrap(level: String) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
    }
}

/// `papertrader collect-once`: one cycle, then a table per symbol; exit 0 ok, 1 partial, 2 failed.
struct CollectOnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect-once",
        abstract: "Run one collection cycle and print what it stored (exit 0 ok, 1 partial, 2 failed).")

    @OptionGroup var runtime: RuntimeArguments
    @Option(help: "Symbols to collect, comma-separated (default: collection.symbols).") var symbols: String?
    @Flag(help: "One JSON document.") var json = false

    func run() async throws {
        let options = try runtime.options(clockSpeed: 1)
        // The table is the output; the terminal only hears about problems (the log file keeps all).
        LogSetup.bootstrap(options.loaded.config.logging, terminalLevel: json ? .error : .warning)
        let only = symbols?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        let showProgress = !json && isatty(STDERR_FILENO) == 1
        let report = try await OrchestratorRuntime.with(options, logger: Logger(label: "papertrader")) { rt in
            let progress = showProgress ? ProgressLine.start(rt.progress) : nil
            defer { progress?.cancel() }
            return try await rt.collector.collectOnce(symbols: only)
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            print(try JSONOutput.render(report))
        } else {
            print(CycleTable.render(report))
        }
        switch report.status {
        case .ok: return
        case .partial: throw ExitCode(1)
        default: throw ExitCode(2)
        }
    }
}

/// `papertrader run`: the collector every interval until SIGINT/SIGTERM or `--cycles`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Collect every interval (aligned, during collection hours) until stopped or --cycles ran.")

    @OptionGroup var runtime: RuntimeArguments
    @Option(help: "Stop after this many cycles.") var cycles: Int?
    @Option(
        help: """
            Simulated seconds per real second, e.g. 60: the built-in simulator's speed with --simulator, or \
            the speed an external `papertrader gateway-sim --clock-speed X` runs at (pass the same X). \
            Leave at 1 against a real gateway.
            """)
    var clockSpeed = 1.0

    func validate() throws {
        guard clockSpeed > 0 else { throw ValidationError("--clock-speed must be positive") }
        if let cycles, cycles < 1 { throw ValidationError("--cycles must be at least 1") }
    }

    func run() async throws {
        var options = try runtime.options(clockSpeed: clockSpeed)
        options.exclusiveTrader = true
        options.gatewayRefusalIsFatal = false
        LogSetup.bootstrap(options.loaded.config.logging)
        try await OrchestratorRuntime.with(options, logger: Logger(label: "papertrader")) { rt in
            if let sim = rt.simulator {
                print("simulator: exchange time \(ISO8601.format(sim.now)), speed x\(rt.speed)")
            }
            let reconciled = await rt.trader.reconcile(now: await rt.marketTime())
            if reconciled.ordersChecked > 0 || reconciled.orphansCancelled > 0 || !reconciled.mismatches.isEmpty {
                print(
                    "reconciled: \(reconciled.ordersChecked) in-flight orders (\(reconciled.ordersRecovered) filled, \(reconciled.ordersCancelled) cancelled), \(reconciled.orphansCancelled) orphaned orders cancelled, \(reconciled.fillsRecovered) fills recovered"
                )
                for m in reconciled.mismatches { print("  position difference: \(m)") }
            }
            // Redirected output is block-buffered: flush so `tail -f` and monitors see each cycle.
            let output = RunServices.Output(
                cycle: { report in
                    print(CycleTable.render(report))
                    fflush(nil)
                },
                trades: { trades in
                    let lines = TraderLines.render(trades)
                    if !lines.isEmpty { print(lines) }
                    fflush(nil)
                },
                note: { line in
                    print(line)
                    fflush(nil)
                })
            try await RunServices.run(rt, cycles: cycles, output: output, logger: Logger(label: "papertrader"))
            let stats = try rt.store.stats()
            print("store: \(stats.optionRows) option rows, \(stats.cycles) cycles in \(rt.store.path)")
            print(ReportCommand.render(try await rt.trader.summary()))
        }
    }
}

/// `contracts 120/330  ETA 6 s` redrawn on stderr while a collection runs (terminals only).
enum ProgressLine {
    static func start(_ progress: CollectionProgress) -> Task<Void, Never> {
        Task {
            let started = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let (done, planned) = progress.snapshot
                guard planned > 0 else { continue }
                draw("contracts", done: done, planned: planned, since: started)
            }
        }
    }

    /// Redraws `label done/planned  ETA n s` in place on stderr.
    static func draw(_ label: String, done: Int, planned: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let eta = done > 0 ? seconds / Double(done) * Double(max(0, planned - done)) : 0
        let line = "\r\u{1B}[K\(label) \(done)/\(planned)  ETA \(Int(eta.rounded())) s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the progress line.
    static func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// What the trader did in a cycle, one line each.
enum TraderLines {
    static func render(_ t: TraderCycleReport) -> String {
        var lines: [String] = []
        for action in t.actions { lines.append("  trader: \(action)") }
        for (symbol, why) in t.noTrade.sorted(by: { $0.key < $1.key }) {
            lines.append("  trader: \(symbol) no trade: \(why)")
        }
        for e in t.errors { lines.append("  trader error: \(e)") }
        return lines.joined(separator: "\n")
    }
}

/// The per-symbol table of a cycle.
enum CycleTable {
    static func render(_ r: CycleReport) -> String {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        var lines = [
            "cycle #\(r.cycleID) at \(ISO8601.format(r.timestamp)): \(r.status.rawValue) in \(String(format: "%.1f", r.seconds)) s"
        ]
        lines.append("symbol  contracts  iv_rank  atm_iv  vix    trend      source     seconds  error")
        for s in r.symbols {
            lines.append(
                [
                    s.symbol.padding(toLength: 8, withPad: " ", startingAt: 0),
                    String(s.contracts).padding(toLength: 11, withPad: " ", startingAt: 0),
                    f(s.ivRank, "%.1f").padding(toLength: 9, withPad: " ", startingAt: 0),
                    f(s.atmIV.map { $0 * 100 }, "%.1f%%").padding(toLength: 8, withPad: " ", startingAt: 0),
                    f(s.vix, "%.2f").padding(toLength: 7, withPad: " ", startingAt: 0),
                    (s.trend ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0),
                    (s.source ?? "-").padding(toLength: 11, withPad: " ", startingAt: 0),
                    f(s.seconds, "%.1f").padding(toLength: 9, withPad: " ", startingAt: 0),
                    s.error ?? "",
                ].joined())
            for note in s.notes { lines.append("  note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }
}
