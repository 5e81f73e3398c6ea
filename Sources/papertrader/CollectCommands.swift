import AppConfig
import ArgumentParser
import Foundation
import Logging
import Orchestrator

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
        LoggingSystem.bootstrap(
            LogSetup.handlerFactory(options.loaded.config.logging, terminalLevel: json ? .error : .warning))
        let only = symbols?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        let showProgress = !json && isatty(STDERR_FILENO) == 1
        let draw: @Sendable (Int, Int, ContinuousClock.Instant) -> Void = { done, planned, started in
            ProgressLine.draw("contracts", done: done, planned: planned, since: started)
        }
        let report = try await CollectOnce.run(
            options, symbols: only, logger: Logger(label: "papertrader"), progress: showProgress ? draw : nil)
        if showProgress { ProgressLine.clear() }
        print(json ? try JSONOutput.render(report) : CycleTable.render(report))
        switch report.outcome {
        case .ok: return
        case .partial: throw ExitCode(1)
        case .failed: throw ExitCode(2)
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
        LoggingSystem.bootstrap(LogSetup.handlerFactory(options.loaded.config.logging))
        // Redirected output is block-buffered: flush so `tail -f` and monitors see each cycle.
        try await RunSession.run(options, cycles: cycles, logger: Logger(label: "papertrader")) { text in
            print(text)
            fflush(nil)
        }
    }
}

/// `contracts 120/330  ETA 6 s` redrawn on stderr while a collection or an export runs (terminals only).
enum ProgressLine {
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
