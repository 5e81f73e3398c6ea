import ArgumentParser
import Logging
import Tools

/// `papertrader bench snapshots`: N option snapshots through TWSClient from the built-in simulator,
/// against the pacing floor max(N / rate, ceil(N / lines) x snapshot latency).
struct BenchSnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "Time N option snapshots through the client from the simulator against the pacing floor."
    )

    @Option(help: "Option snapshots to fetch.") var count = 500
    @Option(help: "Market-data lines (IB default 100).") var lines = 100
    @Option(help: "Messages per second allowed by the gateway (IB: 50).") var rate = 50
    @Option(help: "Use an already running gateway or simulator on this port instead of an in-process one.") var port:
        Int?

    func run() async throws {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        var bench = SnapshotBench()
        (bench.count, bench.lines, bench.rate, bench.port) = (count, lines, rate, port)
        for line in try await bench.run() { print(line) }
    }
}
