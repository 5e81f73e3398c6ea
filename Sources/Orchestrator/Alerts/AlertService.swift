import AppConfig
import Foundation
import Logging
import ServiceLifecycle
import SnapshotStore

/// Alerts for the life of `run`: every `alerts.poll_seconds` the watcher reads the journal, the
/// cycles and the health state (all from state, never a gateway round trip) and queues what changed;
/// the dispatcher delivers beside it. On shutdown what is queued is still delivered.
struct AlertService: Service {
    let runtime: Runtime
    let logger: Logger

    func run() async throws {
        let alerts = runtime.config.alerts
        let dispatcher = AlertDispatcher(
            webhooks: runtime.webhooks, capacity: alerts.queueCapacity, attempts: alerts.attempts, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            var watcher = AlertWatcher(gatewayDownSeconds: Double(alerts.gatewayDownSeconds))
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                for alert in await Self.scan(runtime, &watcher) { dispatcher.post(alert) }
                // A shutdown ends the wait early; that is its only "failure".
                try? await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(Int(alerts.pollSeconds * 1000)))
                }
            }
            dispatcher.finish()
            // What is queued gets a few seconds to go out; a dead receiver must not hold up the stop.
            // Whichever ends first, the drained queue or the wait, cancels the other (hence `try?`).
            group.addTask { try? await Task.sleep(for: .seconds(5)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// One look at the runtime's state: the alerts since the previous look.
    static func scan(_ rt: Runtime, _ watcher: inout AlertWatcher) async -> [Alert] {
        let health = await HealthChecker.service(rt)
        let now = await rt.marketTime()
        do {
            let events = try rt.store.recentEvents(limit: 500, kind: nil)
            let cycles = try rt.store.cycles(limit: 50)
            return watcher.scan(events: events, cycles: cycles, health: health, killSwitch: rt.killSwitchOn(), now: now)
        } catch {
            // The store's own health check reports this; alerts resume when it reads again.
            return watcher.scan(events: [], cycles: [], health: health, killSwitch: rt.killSwitchOn(), now: now)
        }
    }
}

/// `papertrader alerts test`: one alert of each kind a receiver wants, delivered now.
public enum AlertTest {
    /// Sends the test alerts; one line per receiver and kind with the outcome.
    public static func run(_ loaded: LoadedConfig, logger: Logger, transport: AlertDispatcher.Transport? = nil) async
        -> (lines: [String], allDelivered: Bool)
    {
        guard !loaded.webhooks.isEmpty else {
            return (["no alert receivers: add alerts.webhooks (or export the variables their url_env names)"], false)
        }
        var lines: [String] = []
        var all = true
        for (i, hook) in loaded.webhooks.enumerated() {
            let dispatcher = AlertDispatcher(
                webhooks: [hook], capacity: AlertEventKind.allCases.count, attempts: 1, transport: transport,
                logger: logger)
            for kind in AlertEventKind.allCases where hook.wants(kind) {
                let ok = await dispatcher.deliver(
                    Alert(
                        kind: kind, message: "test alert (\(kind.rawValue)) from papertrader alerts test", time: Date())
                )
                all = all && ok
                lines.append(
                    "receiver \(i + 1) (\(hook.shownAs), \(hook.format)): \(kind.rawValue) \(ok ? "delivered" : "FAILED")"
                )
            }
        }
        return (lines, all)
    }
}
