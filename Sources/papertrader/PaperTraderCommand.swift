import ArgumentParser

/// The `papertrader` command line: every subcommand lives in its own file.
@main
struct PaperTraderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "papertrader",
        abstract: "Options paper-trading orchestrator for Interactive Brokers.",
        version: PapertraderVersion.current,
        subcommands: [
            RunCommand.self, CollectOnceCommand.self, GatewaySimCommand.self, ConfigCommand.self, StoreCommand.self,
            HealthCommand.self, ReportCommand.self, ExplainCommand.self, ReplayCommand.self, JournalCommand.self,
            SimulateHistoryCommand.self, KillSwitchCommand.self, PositionCommand.self, FlattenCommand.self,
            AlertsCommand.self, WireCommand.self, BenchCommand.self,
        ]
    )
}
