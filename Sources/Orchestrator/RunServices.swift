import AppConfig
import Foundation
import Hummingbird
import Logging
import MarketData
import ServiceLifecycle
import SnapshotStore
import Synchronization
import Trading
import UnixSignals

/// What `run` does, as services in one `ServiceGroup`: the collector on its slots, the trader beside
/// it (orders are worked while the next cycle collects, so cycles keep their boundaries), and the HTTP
/// endpoint. SIGTERM, SIGINT and SIGHUP shut the group down gracefully in reverse order: the collector
/// stops, the trader finishes the order step under way and opens nothing new, then HTTP closes.
public enum RunServices {
    /// What the caller shows per cycle and per trading pass.
    public struct Output: Sendable {
        public var cycle: @Sendable (CycleReport) -> Void
        public var trades: @Sendable (TraderCycleReport) -> Void
        public var note: @Sendable (String) -> Void

        /// Callbacks for the run's output.
        public init(
            cycle: @escaping @Sendable (CycleReport) -> Void, trades: @escaping @Sendable (TraderCycleReport) -> Void,
            note: @escaping @Sendable (String) -> Void
        ) {
            self.cycle = cycle
            self.trades = trades
            self.note = note
        }
    }

    /// A collected cycle handed to the trader.
    struct Work: Sendable {
        let report: CycleReport
        let pictures: [MarketPicture]
    }

    /// Runs until `cycles` cycles were collected and traded, or a stop signal; then journals the stop.
    public static func run(
        _ rt: Runtime, cycles: Int?, output: Output, signals: [UnixSignal] = [.sigterm, .sigint, .sighup],
        logger: Logger
    ) async throws {
        // The trader takes the newest cycle: one still being traded when the next arrives is not queued
        // behind it (its pictures would be stale by then).
        let (stream, sink) = AsyncStream.makeStream(of: Work.self, bufferingPolicy: .bufferingNewest(1))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if rt.config.http.enabled {
            services.append(
                .init(service: HTTPEndpointService(runtime: rt, note: output.note, logger: logger), serviceName: "http")
            )
        }
        if !rt.webhooks.isEmpty {
            services.append(.init(service: AlertService(runtime: rt, logger: logger), serviceName: "alerts"))
        }
        services.append(
            .init(
                service: TraderService(runtime: rt, cycles: stream, output: output),
                successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "trader"))
        services.append(
            .init(
                service: CollectorService(runtime: rt, cycles: cycles, sink: sink, output: output),
                successTerminationBehavior: .ignore, serviceName: "collector"))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }
}

/// The collector on its slots; each cycle goes to the trader without waiting for it.
struct CollectorService: Service {
    let runtime: Runtime
    let cycles: Int?
    let sink: AsyncStream<RunServices.Work>.Continuation
    let output: RunServices.Output

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await runtime.collector.run(cycles: cycles, speed: runtime.speed) { report, pictures in
                    output.cycle(report)
                    sink.yield(RunServices.Work(report: report, pictures: pictures))
                }
            }
            // Done on its own (`--cycles`): the trader ends after the last cycle and stops the group.
            sink.finish()
        } catch is CancellationError {
            // A stop: the interrupted cycle is recorded failed at the next open. The trader's stream is
            // left open on purpose: the group stops the trader next, in its turn; a trader ending now
            // (its stream finished) would be a service ending out of turn, which fails the group.
            output.note("stop requested: the collector stopped, stopping after the current step")
        }
    }
}

/// The trader: one pass per collected cycle, beside the collector; journals the stop at the end.
struct TraderService: Service {
    let runtime: Runtime
    let cycles: AsyncStream<RunServices.Work>
    let output: RunServices.Output

    func run() async throws {
        var last: Int64?
        for await work in cycles.cancelOnGracefulShutdown() {
            if let last, work.report.cycleID > last + 1 {
                output.note("trader: skipped \(work.report.cycleID - last - 1) cycle(s) still trading the previous one")
            }
            last = work.report.cycleID
            let trades = await runtime.trader.onCycle(
                pictures: work.pictures, now: work.report.timestamp, killSwitch: runtime.killSwitchOn())
            output.trades(trades)
            MemoryTrim.releaseFreedMemory()
        }
        await runtime.trader.shutdown(
            cancelWorkingOrders: runtime.config.execution.cancelOrdersOnShutdown, now: await runtime.marketTime())
    }
}

/// `/health`, `/metrics` and `/api` for the life of the group (Hummingbird's server, which closes
/// gracefully with the group); a port that cannot be bound is a warning, not a stop (the trader
/// keeps trading).
struct HTTPEndpointService: Service {
    let runtime: Runtime
    let note: @Sendable (String) -> Void
    let logger: Logger

    func run() async throws {
        let host = runtime.config.http.host, port = runtime.config.http.port
        // Hummingbird logs every request at debug and its start at info: the run's own lines say that.
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .notice)
        let started = StartedFlag()
        let app = runtime.httpApplication(host: host, port: port, logger: httpLogger) { bound in
            started.value.store(true, ordering: .relaxed)
            note("http: http://\(host):\(bound)/ (dashboard), /health, /metrics, /api/...")
        }
        do {
            try await app.run()
        } catch {
            guard !started.value.load(ordering: .relaxed) else {
                note("warning: HTTP endpoint on \(host):\(port) stopped: \(error)")
                return
            }
            note(
                "warning: HTTP endpoint not started on \(host):\(port): \(error) (set http.port or http.enabled: false)"
            )
            // Until the group shuts down (a cancellation ends the wait the same way): the trader goes on.
            try? await gracefulShutdown()
        }
    }
}

/// Whether the server came up (set on its event loop, read after it stopped).
final class StartedFlag: Sendable {
    let value = Atomic<Bool>(false)
}
