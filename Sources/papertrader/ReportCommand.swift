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
    @Flag(help: "The risk book: greeks, beta-weighted delta, max loss and profit, breakevens, scenarios.")
    var risk = false
    @Flag(help: "Predicted probability of profit against realized wins over closed trades.") var calibration = false

    func run() throws {
        let loaded = try config.load()
        let store: StoreReader
        do {
            store = try StoreReader(path: loaded.config.storage.path)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if risk {
            let report = try store.riskReport(config: loaded.config)
            print(json ? try JSONOutput.render(report) : report.text)
            if !calibration { return }
        }
        if calibration {
            let report = try store.calibrationReport()
            print(json ? try JSONOutput.render(report) : report.text)
            return
        }
        let report = try store.tradingReport(config: loaded.config)
        print(json ? try JSONOutput.render(report) : report.text)
    }
}
