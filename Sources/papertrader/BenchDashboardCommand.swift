import AppConfig
import ArgumentParser
import Orchestrator
import Tools

/// `papertrader bench dashboard`: the page from a year of stored cycles.
struct BenchDashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract:
            "Time the dashboard page (gathering from the store + rendering) over a year of stored cycles (written first if the store is empty)."
    )

    @Option(help: "Store to use (kept, so a second run measures the page alone).") var db =
        "data/bench-dashboard.sqlite"
    @Option(help: "Trading days of history to write.") var days = 252
    @Option(help: "Closed positions to write.") var positions = 300
    @Option(help: "Timed renders.") var runs = 20

    func run() throws {
        var bench = DashboardBench()
        (bench.days, bench.closedPositions, bench.runs) = (days, positions, runs)
        var config = PaperTraderConfig()
        config.collection.symbols = bench.symbols
        let lines = try bench.run(path: db) { path in
            let renderer = try Dashboard.StoredRenderer(path: path, config: config)
            return {
                let page = try renderer.render()
                return (page.html.utf8.count, page.rowsRead)
            }
        }
        for line in lines { print(line) }
    }
}
