import ArgumentParser
import Foundation
import Metrics
import Orchestrator

/// Every exit code of `papertrader`, defined once (README "Exit codes"; scripts and monitors rely on them).
enum ExitStatus {
    /// Success: the command did what it was asked (`run` stopped by a signal or `--cycles` included).
    static let ok = ExitCode(0)
    /// Partial: `collect-once` stored some symbols but not all; `health` degraded; `store recover` lost rows.
    static let partial = ExitCode(1)
    /// Failed: `collect-once` stored nothing; `health` down; `config check` found problems; a
    /// command's action was refused (e.g. `kill-switch` on a path that is not its marker).
    static let failed = ExitCode(2)
    /// Could not start, or stopped by a fatal error: invalid configuration, a damaged or unopenable
    /// store, a port that is invalid or in use, the gateway unreachable at start, any unexpected error.
    static let fatal = ExitCode(3)
    /// Bad command-line arguments (ArgumentParser's own usage code, EX_USAGE).
    static let usage = ExitCode.validationFailure

    /// The code for an error that reached the top of a command: an `ExitCode` or an ArgumentParser
    /// error keeps its own; anything else is fatal (ArgumentParser alone would say 1, "partial").
    static func code(for error: any Error, of command: any ParsableCommand.Type) -> ExitCode {
        if let code = error as? ExitCode { return code }
        let parsed = command.exitCode(for: error)
        return parsed == .failure ? fatal : parsed
    }
}

extension PaperTraderCommand {
    /// Parses, runs, and maps errors through `ExitStatus`: every command exits with a documented code.
    static func main() async {
        // Once per process, before any command records: `/metrics` renders what lands here.
        MetricsSystem.bootstrap(ServiceMetrics.makeFactory())
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ExitStatus.code(for: error, of: self)
            if code == ExitStatus.fatal, !(error is ExitCode) {
                // The message ArgumentParser would print ("Error: ..."), with the code it would not choose.
                FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
                Foundation.exit(code.rawValue)
            }
            exit(withError: error)
        }
    }
}
