import ArgumentParser
import Tools

/// `papertrader bench store`: upsert throughput, latest-chain latency, IV-history query time.
struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract:
            "Measure the SQLite store: upsert rows/s, latest-chain latency (1,000 and 10,000 contracts), IV history over a year."
    )

    @Option(help: "Collection cycles to write for the throughput figure.") var cycles = 20
    @Option(help: "Contracts per symbol per cycle (3 symbols).") var contracts = 1500

    func run() throws {
        var bench = StoreBench()
        (bench.cycles, bench.contracts) = (cycles, contracts)
        for line in try bench.run() { print(line) }
    }
}
