import AppConfig
import Foundation
import Logging
import OptionsModel
import Replay
import SnapshotStore
import Trading

/// `papertrader bench replay`: a store of simulated history with full chains, replayed; the figures
/// the issue asks for (seconds, option rows per second, peak resident memory of the replay alone) and
/// the ratio to a plain sequential read of the same cycles.
public enum ReplayBench {
    /// The measurements.
    public struct Figures: Sendable {
        public var cycles: Int
        public var optionRows: Int
        public var generateSeconds: Double?
        public var replaySeconds: Double
        public var readSeconds: Double
        public var peakResidentMiB: Double?

        /// The report lines.
        public var lines: [String] {
            [
                "store: \(cycles) cycles, \(optionRows) option rows"
                    + (generateSeconds.map { String(format: " (written in %.1f s)", $0) } ?? ""),
                String(
                    format: "replay (one configuration): %.2f s, %.0f option rows/s", replaySeconds,
                    Double(optionRows) / max(replaySeconds, 1e-9)),
                String(
                    format: "plain sequential read of the same cycles: %.2f s (replay / read = %.2f)", readSeconds,
                    replaySeconds / max(readSeconds, 1e-9)),
                "peak resident memory during the replay: "
                    + (peakResidentMiB.map { String(format: "%.1f MiB", $0) } ?? "unknown"),
            ]
        }
    }

    /// Writes `days` of history with full chains into `path` when it holds none, then measures.
    public static func run(path: String, days: Int, strikeRangePct: Double, maxExpiries: Int) async throws -> Figures {
        var config = PaperTraderConfig()
        config.storage.path = path
        config.collection.strikeRangePct = strikeRangePct
        config.collection.maxExpiries = maxExpiries
        config.collection.openInterest = "daily"
        var generated: Double?
        if try SQLiteStore(path: path).stats().cycles == 0 {
            let started = ContinuousClock.now
            let start = MarketCalendar().date(Expiry("20260302")!, minute: MarketCalendar.openMinute)  // a Monday
            _ = try await SimulateHistoryRun.run(config: config, seed: 1, from: start, days: days)
            generated = seconds(ContinuousClock.now - started)
        }
        let store = try SQLiteStore(path: path, readOnly: true)
        // The plain read: every cycle's rows, decoded, nothing else.
        let readStarted = ContinuousClock.now
        var rows = 0
        let times = try store.storedCycleTimes(from: nil, to: nil, symbols: nil)
        for t in times { rows += try store.storedCycle(at: t, symbols: nil).reduce(0) { $0 + $1.chain.options.count } }
        let read = seconds(ContinuousClock.now - readStarted)
        resetPeakResident()
        let replayStarted = ContinuousClock.now
        let settings = OrchestratorRuntime.traderSettings(config)
        var logger = Logger(label: "bench-replay")
        logger.logLevel = .warning
        let report = try await Replay(store: store, logger: logger).run([
            ReplayConfig(name: "default", settings: settings)
        ])
        let replay = seconds(ContinuousClock.now - replayStarted)
        return Figures(
            cycles: report.cycles, optionRows: rows, generateSeconds: generated, replaySeconds: replay,
            readSeconds: read,
            peakResidentMiB: peakResidentMiB())
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Linux: writing 5 to clear_refs resets the peak (VmHWM), so the figure is the replay's alone.
    /// Where that is not possible the peak includes writing the history, and says more than it should.
    static func resetPeakResident() {
        _ = FileManager.default.createFile(atPath: "/proc/self/clear_refs", contents: Data("5".utf8))
    }

    static func peakResidentMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = line.split(separator: " ").compactMap({ Double($0) }).first
        else { return nil }
        return kb / 1024
    }
}
