import ArgumentParser
import Tools

/// `papertrader bench fuzz`: the frame decoder, the message decoders (both directions) and the YAML
/// config loader under seeded random and mutated inputs, seeded with real captured frames. Any
/// crash stops the process (that is the failure); every input must end in a value or a typed error.
struct BenchFuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz", abstract: "Decoder and config-loader fuzzing (seeded; prints counts, time and memory).")

    @Option(help: "Frames to decode.") var iterations = 1_000_000
    @Option(help: "Mutated configurations to load.") var configs = 10_000
    @Option(help: "Random seed (runs are reproducible).") var seed: UInt64 = 1
    @Option(help: "Captured frames (JSON lines with a `frame` field).")
    var corpus = "../shared/fixtures/tws/frames.jsonl"
    @Option(help: "Configuration to mutate.") var config = "paper_trading.yaml"

    func run() throws {
        var fuzz = FuzzRun()
        (fuzz.iterations, fuzz.configs, fuzz.seed, fuzz.corpus, fuzz.config) = (
            iterations, configs, seed, corpus, config
        )
        let lines: [String]
        do {
            lines = try fuzz.run()
        } catch let error as ToolError {
            throw ValidationError(error.message)
        }
        for line in lines { print(line) }
    }
}
