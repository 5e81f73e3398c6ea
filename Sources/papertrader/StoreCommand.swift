import AppConfig
import ArgumentParser
import Foundation
import Orchestrator
import Tools

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

    /// The store, read-only; a store that cannot be opened is fatal (exit 3) with its error on stderr.
    func open() throws -> StoreReader {
        let path = try path()
        do {
            return try StoreReader(path: path)
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
        print(json ? try store.statsJSON() : try store.statsText())
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
        let recovery: StoreRecovery
        do {
            recovery = try StoreRecovery.recover(from: source, to: to)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.fatal
        }
        print(json ? try recovery.json() : recovery.text)
        if recovery.destinationHasProblems { throw ExitStatus.failed }
        if recovery.lostRows { throw ExitStatus.partial }
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
        if let from, !StoreReader.isDay(from) { throw ValidationError("--from '\(from)' is not a date YYYY-MM-DD") }
        if let to, !StoreReader.isDay(to) { throw ValidationError("--to '\(to)' is not a date YYYY-MM-DD") }
    }

    func run() throws {
        let store = try options.open()
        let out = FileHandle.standardOutput
        // Progress on a terminal's stderr, and only when the rows are not printed on that terminal.
        let showProgress = isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) == 0
        let planned = showProgress ? try store.exportRowCount(symbol: symbol, from: from, to: to) : 0
        let started = ContinuousClock.now
        var lastDraw = started
        var rows = -1  // the CSV header is not a row
        if format == "jsonl" { rows = 0 }
        var buffer = ""
        try store.export(symbol: symbol, from: from, to: to, format: format == "csv" ? .csv : .jsonl) { line in
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
        try StoreCrashWriter.run(db: db, contracts: contracts)
    }
}
