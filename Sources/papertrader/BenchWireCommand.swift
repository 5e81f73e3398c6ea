import ArgumentParser
import Tools

/// `papertrader bench wire`: decode throughput of the TWS decoder on a market-data mix.
struct BenchWireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Measure TWS decode throughput (messages/second, one core) on a realistic market-data mix.",
        discussion: """
            The mix: 40% tickPrice, 25% tickSize, 30% tickOptionComputation, 3% contractDetails, 2% openOrder, \
            framed as a gateway sends them at server version 178. The stream is built once, then framed and \
            decoded --passes times; the best run is reported. Allocation counts: run under valgrind (see \
            scripts/bench/wire_allocations.sh).
            """
    )

    @Option(help: "Messages in the stream.")
    var messages = 2_000_000

    @Option(help: "Decode passes over the stream (best is reported).")
    var passes = 3

    @Option(help: "Write the stream to this file (for decoding the same bytes with other decoders) and exit.")
    var writeStream: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        var bench = WireBench()
        (bench.messages, bench.passes, bench.writeStream, bench.json) = (messages, passes, writeStream, json)
        for line in try bench.run() { print(line) }
    }
}
