import AppConfig
import ArgumentParser
import Foundation
import Logging
import Orchestrator

/// `papertrader alerts test`: one alert of every kind each receiver wants, sent now, so a new webhook
/// can be checked before the trader needs it.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alert receivers (alerts.webhooks).", subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one alert of each kind every receiver wants; exit 2 if any was not delivered.")

        @OptionGroup var config: ConfigOption

        func run() async throws {
            let loaded = try config.load()
            let (lines, delivered) = await AlertTest.run(loaded, logger: Logger(label: "papertrader"))
            for line in lines { print(line) }
            if !delivered { throw ExitStatus.failed }
        }
    }
}
