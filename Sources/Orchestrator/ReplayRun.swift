import AppConfig
import Foundation
import Logging
import OptionsModel
import Replay
import SnapshotStore
import Trading

/// What `papertrader replay` runs: configuration files (and a sweep of one or two keys over them)
/// replayed over the store of the first one, read-only.
public enum ReplayRun {
    /// A `--set key=v1,v2,...` sweep axis.
    public struct Axis: Sendable, Equatable {
        public var key: String
        public var values: [String]

        /// Parses `strategy.short_delta_target=0.16,0.20`; nil when the key is unknown or has no values.
        public init?(_ text: String) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ConfigSchema.fields.contains(where: { $0.dotted == parts[0] }) else { return nil }
            key = parts[0]
            values = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            if values.isEmpty { return nil }
        }
    }

    /// Why a replay could not start.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The configurations to replay: each file, or each file at every point of the sweep's grid,
    /// named by file and the values set. Every one is validated as `config check` does.
    public static func configs(
        files: [String?], sweep: [Axis], fill: String, environment: [String: String]
    ) throws -> (configs: [ReplayConfig], storage: String) {
        guard let fillModel = FillModel(fill) else { throw Problem(description: "unknown fill model \(fill)") }
        var grid: [[(String, String)]] = [[]]
        for axis in sweep {
            grid = grid.flatMap { point in axis.values.map { point + [(axis.key, $0)] } }
        }
        var out: [ReplayConfig] = []
        var storage: String?
        for file in files {
            for point in grid {
                var env = environment
                for (key, value) in point {
                    guard let field = ConfigSchema.fields.first(where: { $0.dotted == key }) else { continue }
                    env[field.environmentName] = value
                }
                let loaded: LoadedConfig
                do {
                    loaded = try ConfigLoader.load(path: file, environment: env)
                } catch {
                    throw Problem(description: error.description)
                }
                storage = storage ?? loaded.config.storage.path
                let base = ((file ?? "paper_trading.yaml") as NSString).lastPathComponent
                let name =
                    ([files.count > 1 || point.isEmpty ? base : nil].compactMap { $0 }
                    + point.map { "\(($0.0 as NSString).pathExtension)=\($0.1)" }).joined(separator: " ")
                var settings = OrchestratorRuntime.traderSettings(loaded.config)
                settings.startingCash = loaded.config.execution.startingCash
                out.append(ReplayConfig(name: name, settings: settings, fillModel: fillModel))
            }
        }
        guard let storage else { throw Problem(description: "no configuration to replay") }
        return (out, storage)
    }

    /// What a replay of some configurations over one store needs.
    public struct Plan: Sendable {
        /// The configurations, each named.
        public var configs: [ReplayConfig]
        /// The store replayed (the first configuration's storage.path).
        public var storage: String
    }

    /// The plan for `files` (and a sweep over them), validated.
    public static func plan(files: [String?], sweep: [String], fill: String, environment: [String: String]) throws
        -> Plan
    {
        let (configs, storage) = try configs(
            files: files, sweep: sweep.compactMap(Axis.init), fill: fill, environment: environment)
        return Plan(configs: configs, storage: storage)
    }

    /// Replays a plan over the days `from`...`to` (inclusive, YYYY-MM-DD) of `symbols`.
    public static func run(
        _ plan: Plan, from: String?, to: String?, symbols: [String]?, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ReplayReport {
        let range = ReplayRange(
            from: from.flatMap(day), to: to.flatMap(day).map { $0.addingTimeInterval(86_400) }, symbols: symbols)
        return try await run(configs: plan.configs, storage: plan.storage, range: range, progress: progress)
    }

    /// Saves each configuration's result under `name` in the replayed store's own `replay_results`
    /// table (never the live positions); returns the rows written.
    @discardableResult
    public static func save(_ report: ReplayReport, name: String, plan: Plan, at time: Date) throws -> Int {
        let store = try SQLiteStore(path: plan.storage)
        for result in report.results {
            try store.saveReplayResult(
                name: name, config: result.name, savedAt: time, json: try JSONOutput.render(result))
        }
        return report.results.count
    }

    /// The comparison for a terminal.
    public static func text(_ report: ReplayReport) -> String { ReplayText.render(report) }

    /// The self-contained HTML report.
    public static func html(_ report: ReplayReport) -> String { ReplayHTML.render(report) }

    /// Replays over the store at `storage` (read-only).
    public static func run(
        configs: [ReplayConfig], storage: String, range: ReplayRange,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ReplayReport {
        let store = try SQLiteStore(path: storage, readOnly: true)
        var logger = Logger(label: "replay")
        logger.logLevel = .warning
        return try await Replay(store: store, logger: logger).run(configs, range: range, progress: progress)
    }

    /// Whether `text` names a fill model (`slippage`, `mid`, `natural`, a fraction 0...1).
    public static func isFillModel(_ text: String) -> Bool { FillModel(text) != nil }

    /// A day (YYYY-MM-DD) at New York midnight.
    public static func day(_ text: String) -> Date? {
        Expiry(text).map { MarketCalendar().date($0, minute: 0) }
    }
}
