import Foundation
import TestSupport
import Testing

/// `papertrader position close ID` and `papertrader flatten` end to end: a real `run --simulator`
/// process owns the store, and the CLI twins ask it over HTTP with the token from their environment.
@Suite struct ControlCLITests {
    init() throws {
        try #require(CLIProcess.isBuilt, "build the executable first: swift build (scripts/test.sh does)")
    }

    @Test func closeAndFlattenActOnTheRunningTrader() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-control")
        let port = Int.random(in: 20_000...40_000)
        try
            (readilyTradingIWM + """
                storage:
                  path: \(dir)/db.sqlite
                risk:
                  kill_switch_file: \(dir)/KILL
                  no_entry_minutes_before_close: 0
                http:
                  port: \(port)
                  token_env: PT_CONTROL_TOKEN
                """).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["PT_CONTROL_TOKEN"] = "cli-test-token-0123456789"
        let run = try CLIProcess.start(
            [
                "run", "--simulator", "--config", dir + "/c.yaml", "--clock-speed", "60", "--sim-start",
                "2026-03-04T10:01:00-05:00",
            ], in: dir, environment: environment)
        defer { if run.process.isRunning { run.process.terminate() } }
        // Wait (bounded: an external process) for the trader's first entry.
        let deadline = ContinuousClock.now + .seconds(120)
        var opened: String?
        while opened == nil && run.process.isRunning && ContinuousClock.now < deadline {
            opened = run.stdoutSoFar.firstMatch(of: /opened position (\d+)/).map { String($0.1) }
            if opened == nil { usleep(50_000) }
        }
        let id = try #require(opened, "run never opened a position: \(run.stdoutSoFar.suffix(800))")

        var wrong = environment
        wrong["PT_CONTROL_TOKEN"] = "not-the-token"
        let refused = try CLIProcess.run(
            ["position", "close", id, "--config", dir + "/c.yaml"], in: dir, environment: wrong)
        #expect(refused.status == 2 && refused.stderr.contains("HTTP 401"), "\(refused.stderr)")

        let close = try CLIProcess.run(
            ["position", "close", id, "--config", dir + "/c.yaml"], in: dir, environment: environment)
        #expect(close.status == 0, "\(close.stderr)")
        #expect(close.stdout.contains(#""outcome":"closed""#) || close.stdout.contains(#""outcome":"pending""#))

        let flatten = try CLIProcess.run(
            ["flatten", "--symbol", "iwm", "--config", dir + "/c.yaml"], in: dir, environment: environment)
        #expect(flatten.status == 0 && flatten.stdout.contains(#""symbol":"IWM""#), "\(flatten.stderr)")

        kill(run.pid, SIGTERM)
        let result = run.wait(timeout: .seconds(60))
        #expect(result.exited && result.status == 0, "exit \(result.status)")
        let journal = try CLIProcess.run(["journal", "--db", dir + "/db.sqlite", "--kind", "control"], in: dir)
        #expect(journal.stdout.contains("close position \(id)") && journal.stdout.contains("(from http/cli)"))
        #expect(!journal.stdout.contains("cli-test-token") && !result.stdout.contains("cli-test-token"))
        #expect(!result.stderr.contains("cli-test-token"))
    }
}
