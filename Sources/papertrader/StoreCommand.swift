import AppConfig
import ArgumentParser
import Foundation
import OptionsModel
import Orchestrator
import SnapshotStore

/// `papertrader store stats|export`.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect and export the SQLite store.",
        subcommands: [
            StoreStatsCommand.self, StoreExportCommand.self, StoreRecoverCommand.self, StoreCrashWriterCommand.self,
        ]
    )
}

/// Opens the store named by `--db` or the configuration's `storage.path`.
struct StoreOptions: ParsableArguments {
    @OptionGroup var config: ConfigOption
    @Option(help: "Database file (overrides storage.path).") var db: String?

    /// The database's path (`--db` or `storage.path`).
    func path() throws -> String { try db ?? config.load().config.storage.path }

    func open() throws -> SQLiteStore {
        let path = try path()
        do {
            return try SQLiteStore(path: path, readOnly: true)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.fatal
        }
    }
}

/// `store stats`.
struct StoreStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Rows, symbols, date range and cycles of the store.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "One JSON document.") var json = false

    func run() throws {
        let store = try options.open()
        let s = try store.stats()
        if json {
            print(try JSONOutput.render(s))
            return
        }
        print("database        \(store.path) (\(s.fileBytes / 1024) KiB, schema \(s.schemaVersion))")
        print("option rows     \(s.optionRows)")
        print("symbols         \(s.symbols.joined(separator: ", "))")
        for symbol in s.symbols {
            print(
                "  \(symbol.padding(toLength: 6, withPad: " ", startingAt: 0))        \(s.rowsPerSymbol[symbol] ?? 0) rows"
            )
        }
        print(
            "first / latest  \(s.firstTimestamp.map(ISOTime.string) ?? "-") / \(s.lastTimestamp.map(ISOTime.string) ?? "-")"
        )
        print(
            "cycles          \(s.cycles) (\(String(format: "%.0f", s.averageRowsPerCycle)) rows per snapshot timestamp)"
        )
        for c in try store.cycles(limit: 5) {
            print(
                "  #\(c.id) \(ISOTime.string(c.startedAt)) \(c.status.rawValue) \(c.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            )
        }
    }
}

/// `store recover --to NEW.sqlite`: copies every readable row of a damaged store into a new file.
struct StoreRecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Copy what is readable of a (damaged) store into a new file (exit 0 all, 1 some rows lost).")
    @OptionGroup var options: StoreOptions
    @Option(help: "The new database file (must not exist).") var to: String
    @Flag(help: "One JSON document.") var json = false

    func run() throws {
        let source = try options.path()
        let report: StoreRecoveryReport
        do {
            report = try SQLiteStore.recover(from: source, to: to)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.fatal
        }
        let damaged = report.tables.filter(\.damaged)
        if json {
            print(try JSONOutput.render(report))
        } else {
            for t in report.tables {
                print(
                    "\(t.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(t.rowsCopied) rows\(t.damaged ? "  (damaged: rows in the damaged part are lost)" : "")"
                )
            }
            print(
                damaged.isEmpty
                    ? "recovered everything into \(to)"
                    : "recovered what was readable into \(to); \(damaged.count) table(s) lost rows")
            if !report.destinationProblems.isEmpty {
                print("the new file has problems too: \(report.destinationProblems.joined(separator: "; "))")
            }
            print("next: point storage.path at \(to) (keep \(source) until you are satisfied)")
        }
        if !report.destinationProblems.isEmpty { throw ExitStatus.failed }
        if !damaged.isEmpty { throw ExitStatus.partial }
    }
}

/// `store export`.
struct StoreExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Stream a symbol's option rows as CSV or JSON lines.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Underlying symbol.") var symbol: String
    @Option(help: "First day (YYYY-MM-DD).") var from: String?
    @Option(help: "Last day (YYYY-MM-DD).") var to: String?
    @Option(help: "csv or jsonl.") var format: String

    func validate() throws {
        guard format == "csv" || format == "jsonl" else { throw ValidationError("--format must be csv or jsonl") }
        if let from, Expiry(from) == nil { throw ValidationError("--from '\(from)' is not a date YYYY-MM-DD") }
        if let to, Expiry(to) == nil { throw ValidationError("--to '\(to)' is not a date YYYY-MM-DD") }
    }

    func run() throws {
        let store = try options.open()
        let out = FileHandle.standardOutput
        let (first, last) = (from.flatMap(Expiry.init), to.flatMap(Expiry.init))
        // Progress on a terminal's stderr, and only when the rows are not printed on that terminal.
        let showProgress = isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) == 0
        let planned = showProgress ? try store.exportRowCount(symbol: symbol, from: first, to: last) : 0
        let started = ContinuousClock.now
        var lastDraw = started
        var rows = -1  // the CSV header is not a row
        if format == "jsonl" { rows = 0 }
        var buffer = ""
        try store.export(symbol: symbol, from: first, to: last, format: format == "csv" ? .csv : .jsonl) { line in
            buffer += line + "\n"
            rows += 1
            if buffer.utf8.count > 1 << 16 {
                out.write(Data(buffer.utf8))
                buffer = ""
                if showProgress, ContinuousClock.now - lastDraw > .milliseconds(250) {
                    lastDraw = ContinuousClock.now
                    ProgressLine.draw("rows", done: rows, planned: planned, since: started)
                }
            }
        }
        out.write(Data(buffer.utf8))
        if showProgress { ProgressLine.clear() }
    }
}

/// Hidden: writes cycles in a loop for the crash-safety test (killed with SIGKILL mid-write).
struct StoreCrashWriterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer", abstract: "Test helper: write cycles until killed.", shouldDisplay: false)
    @Option var db: String
    @Option var contracts = 4000

    func run() throws {
        let store = try SQLiteStore(path: db)
        var time = Date(timeIntervalSince1970: 1_772_638_200)
        while true {
            let cycle = try store.beginCycle(startedAt: time)
            for symbol in ["SPY", "QQQ", "IWM"] {
                var options: [OptionQuote] = []
                for i in 0..<contracts {
                    let contract = OptionContract(
                        symbol: symbol, expiry: Expiry("20260417")!.adding(days: 7 * (i / 400)),
                        strike: Double(400 + (i % 400) / 2), right: i % 2 == 0 ? .call : .put)
                    options.append(
                        OptionQuote(
                            contract: contract, quote: Quote(bid: 1, ask: 1.1),
                            greeks: Greeks(impliedVolatility: 0.2, delta: 0.3), underlyingPrice: 600, source: .simulator
                        ))
                }
                let chain = ChainSnapshot(
                    symbol: symbol, timestamp: time, underlyingPrice: 600, options: options, source: .simulator)
                try store.recordSymbol(
                    cycleID: cycle, chain: chain,
                    underlying: UnderlyingSnapshot(
                        symbol: symbol, timestamp: time, price: 600, vix: 16, trend: .neutral, ivRank: 50, atmIV: 0.2,
                        source: .simulator))
            }
            try store.finishCycle(
                id: cycle, finishedAt: time, status: .ok, counts: [:], sources: [:], errors: [], notes: [])
            time.addTimeInterval(300)
        }
    }
}
