import Foundation
import Logging
import MarketData
import SnapshotStore

/// `papertrader collect-once`: one collection cycle on a fresh runtime.
public enum CollectOnce {
    /// How the cycle ended, for the exit status (0 ok, 1 partial, 2 failed).
    public enum Outcome: Sendable, Equatable {
        case ok, partial, failed
    }

    /// Collects `symbols` (nil: the configured ones) once; with `progress`, reports contracts done and
    /// planned every 250 ms while the cycle runs (once any are planned), with the time it started
    /// watching (for an ETA).
    public static func run(
        _ options: RuntimeOptions, symbols: [String]?, logger: Logger,
        progress: (@Sendable (_ done: Int, _ planned: Int, _ since: ContinuousClock.Instant) -> Void)? = nil
    ) async throws -> CycleReport {
        try await OrchestratorRuntime.with(options, logger: logger) { rt in
            guard let progress else { return try await rt.collector.collectOnce(symbols: symbols) }
            return try await withThrowingTaskGroup(of: CycleReport?.self) { group in
                group.addTask {
                    let started = ContinuousClock.now
                    while !Task.isCancelled {
                        // Cancellation is this loop's only way out, and the check above sees it.
                        try? await Task.sleep(for: .milliseconds(250))
                        let (done, planned) = rt.progress.snapshot
                        guard planned > 0 else { continue }
                        progress(done, planned, started)
                    }
                    return nil
                }
                let report = try await rt.collector.collectOnce(symbols: symbols)
                group.cancelAll()
                return report
            }
        }
    }
}

extension CycleReport {
    /// The cycle's status as `collect-once`'s exit status sees it.
    public var outcome: CollectOnce.Outcome {
        switch status {
        case .ok: .ok
        case .partial: .partial
        default: .failed
        }
    }
}
