import AppConfig
import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader explain`: what the trader would do now on the latest stored cycle, and why.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "What the trader would do on the latest stored cycle, each gate with its value and threshold.")

    @OptionGroup var config: ConfigOption
    @Option(help: "Only this symbol (default: every configured symbol).") var symbol: String?
    @Flag(help: "One JSON document.") var json = false

    func run() async throws {
        let loaded = try config.load()
        let path = loaded.config.risk.killSwitchFile
        let kill = !path.isEmpty && ExplainRun.killSwitchOn(path: path)
        let explanations = try await explained(loaded.config, kill: kill)
        if json {
            print(try JSONOutput.render(explanations))
            return
        }
        if explanations.isEmpty {
            print(
                "no stored cycle for \(symbol ?? loaded.config.collection.symbols.joined(separator: ", ")) in \(loaded.config.storage.path): run `papertrader collect-once` first"
            )
            return
        }
        print(explanations.map(ExplainText.render).joined(separator: "\n\n"))
    }

    func explained(_ config: PaperTraderConfig, kill: Bool) async throws -> [ExplainRun.Explanation] {
        do {
            return try await ExplainRun.explain(
                config: config, symbols: symbol.map { [$0.uppercased()] }, killSwitch: kill)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
