import ArgumentParser

/// `papertrader bench ...`: benchmarks that report numbers; never pass/fail tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its measurements.",
        subcommands: [
            BenchWireCommand.self, BenchSnapshotsCommand.self, BenchStoreCommand.self, BenchReplayCommand.self,
            BenchDashboardCommand.self,
            BenchFuzzCommand.self,
        ]
    )
}
