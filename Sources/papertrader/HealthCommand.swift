import AppConfig
import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// `papertrader health`: exit 0 healthy, 1 degraded, 2 down. With a `run` active (its HTTP endpoint
/// answers) it reports the running service's view; otherwise it probes the gateway itself.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check gateway, accounts, data, store and Polygon (exit 0 ok, 1 degraded, 2 down).",
        aliases: ["health-check"])

    @OptionGroup var config: ConfigOption
    @Flag(help: "One JSON document.") var json = false
    @Flag(help: "Also probe a stock and an option snapshot and make one Polygon call.") var deep = false

    func run() async throws {
        let loaded = try config.load()
        CLILogging.bootstrap(level: "critical")
        let http = loaded.config.http
        var report: HealthReport?
        if !deep {
            report = await HealthChecker.runningServiceView(http: http, databasePath: loaded.config.storage.path)
        }
        let final: HealthReport
        if let report {
            final = report
        } else {
            final = await HealthChecker.probe(loaded, deep: deep, logger: Logger(label: "health"))
        }
        if json {
            print(try JSONOutput.render(final))
        } else {
            print(Self.render(final))
        }
        if final.status != .ok { throw ExitCode(final.status.exitCode) }
    }

    static func render(_ r: HealthReport) -> String {
        var lines = ["health: \(r.status.rawValue.uppercased()) (\(r.source), \(ISO8601.format(r.checkedAt)))"]
        let width = (r.checks.map(\.name.count).max() ?? 8) + 2
        for c in r.checks {
            lines.append(
                "  \(c.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))\(c.name.padding(toLength: width, withPad: " ", startingAt: 0))\(c.detail)"
            )
            if let fix = c.fix, c.status != .ok { lines.append("           fix: \(fix)") }
        }
        return lines.joined(separator: "\n")
    }
}
