import AppConfig
import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader report`: positions, orders, fills and P&L from the store.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Positions, orders, fills and P&L of the paper trader.")

    @OptionGroup var config: ConfigOption
    @Flag(help: "One JSON document.") var json = false

    func run() throws {
        let loaded = try config.load()
        let store: StoreReader
        do {
            store = try StoreReader(path: loaded.config.storage.path)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let report = try store.tradingReport(config: loaded.config)
        print(json ? try JSONOutput.render(report) : report.text)
    }
}
