import AppConfig
import Foundation
import Logging
import OptionsModel
import SnapshotStore
import Synchronization
import TestSupport
import Testing
import Trading

@testable import Orchestrator

/// Alerts: which events the watcher derives from the service's state, once each; delivery to a local
/// receiver in both formats, with retries and a bounded queue; nothing secret in what is sent.
@Suite struct AlertWatcherTests {
    let t0 = SimulatorHarness.wednesdayMorning

    func health(gateway: HealthStatus = .ok, breaker: HealthStatus = .ok, data: HealthStatus = .ok) -> HealthReport {
        HealthReport(
            source: "service", checkedAt: t0,
            checks: [
                HealthCheck("gateway", gateway, gateway == .ok ? "connected" : "not connected"),
                HealthCheck("breaker ib", breaker, breaker == .ok ? "closed" : "open"),
                HealthCheck("data SPY", data, data == .ok ? "fresh" : "stale: last cycle 30 min ago"),
            ])
    }

    func event(_ id: Int64, _ kind: JournalKind, _ message: String, at t: Date? = nil) -> JournalEvent {
        JournalEvent(id: id, time: t ?? t0, kind: kind, symbol: "SPY", message: message)
    }

    @Test func theFirstScanIsTheBaselineThenEachChangeIsAlertedOnce() {
        var w = AlertWatcher(gatewayDownSeconds: 60)
        let history = [event(1, .positionOpened, "position 1 opened: old")]
        #expect(w.scan(events: history, cycles: [], health: health(), killSwitch: false, now: t0).isEmpty)
        let events =
            history + [
                event(2, .positionOpened, "position 2 opened: SPY bull put spread"),
                event(3, .positionClosed, "position 2 closed: SPY bull put spread take_profit at 0.50, P&L 52.40"),
                event(4, .positionClosed, "position 2 settled against the 20260320 close 580.00"),
                event(5, .orderRefused, "pt-3-open-1: not sent"),
                event(6, .order(.cancelled), "pt-4-open-1 after 3 re-prices: unfilled"),
                event(7, .riskRefused, "risk: bull put spread: daily loss 1200.00 >= limit 1000.00"),
                event(8, .riskRefused, "risk: iron condor: daily loss 1210.00 >= limit 1000.00"),
                event(9, .noTrade, "IV rank 12 < 30"),
            ]
        let cycles = [
            CollectionCycle(
                id: 7, startedAt: t0, finishedAt: t0, status: .partial, counts: [:], sources: [:],
                errors: ["QQQ: timed out"], notes: []),
            CollectionCycle(
                id: 8, startedAt: t0, finishedAt: nil, status: .running, counts: [:], sources: [:], errors: [],
                notes: []),
        ]
        let alerts = w.scan(events: events, cycles: cycles, health: health(), killSwitch: false, now: t0)
        #expect(
            alerts.map(\.kind) == [
                .positionOpened, .positionClosed, .orderRejected, .orderUnfilled, .dailyLossLimit, .cyclePartial,
            ])
        #expect(alerts[1].message.contains("P&L 52.40") && alerts[5].message.contains("QQQ: timed out"))
        // The same state again: nothing new.
        #expect(w.scan(events: events, cycles: cycles, health: health(), killSwitch: false, now: t0).isEmpty)
    }

    @Test func gatewayBreakersDataAndTheKillSwitchAreAlertedOnTheirChanges() {
        var w = AlertWatcher(gatewayDownSeconds: 60)
        _ = w.scan(events: [], cycles: [], health: health(), killSwitch: false, now: t0)
        // Down 30 s: not yet; 60 s: once; still down: nothing more; back: once.
        #expect(w.scan(events: [], cycles: [], health: health(gateway: .down), killSwitch: false, now: t0).isEmpty)
        #expect(
            w.scan(events: [], cycles: [], health: health(gateway: .down), killSwitch: false, now: t0 + 30).isEmpty)
        let down = w.scan(events: [], cycles: [], health: health(gateway: .down), killSwitch: false, now: t0 + 60)
        #expect(down.map(\.kind) == [.gatewayDown] && down[0].message.hasPrefix("gateway down for 60 s"))
        #expect(
            w.scan(events: [], cycles: [], health: health(gateway: .down), killSwitch: false, now: t0 + 90).isEmpty)
        #expect(
            w.scan(events: [], cycles: [], health: health(), killSwitch: false, now: t0 + 95).map(\.kind) == [
                .gatewayBack
            ])
        // A short outage never alerts, nor its return.
        _ = w.scan(events: [], cycles: [], health: health(gateway: .down), killSwitch: false, now: t0 + 100)
        #expect(w.scan(events: [], cycles: [], health: health(), killSwitch: false, now: t0 + 110).isEmpty)
        let changes = w.scan(
            events: [], cycles: [], health: health(breaker: .degraded, data: .degraded), killSwitch: true, now: t0 + 120
        )
        #expect(changes.map(\.kind) == [.breakerOpened, .dataStale, .killSwitchChanged])
        #expect(
            w.scan(events: [], cycles: [], health: health(), killSwitch: false, now: t0 + 130).map(\.kind) == [
                .breakerClosed, .killSwitchChanged,
            ])
    }
}

/// Log lines of one logger, to check what they never contain.
final class AlertLogLines: LogHandler, @unchecked Sendable {
    let lines = Mutex([String]())
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
    }
}

@Suite struct AlertDeliveryTests {
    func hook(_ base: URL, path: String, format: String, events: [AlertEventKind] = []) -> ResolvedWebhook {
        ResolvedWebhook(
            url: Secret(base.absoluteString + path), format: format, events: events, shownAs: base.host ?? "")
    }

    @Test func bothFormatsReachTheReceiverAndFailuresAreRetried() async throws {
        let receiver = FakePolygonServer()
        receiver.route("/slack/T000/B000/SECRETTOKEN", .json("ok"))
        receiver.route("/json", .json("busy", status: 503), .json("ok"))
        let base = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let log = AlertLogLines()
        let dispatcher = AlertDispatcher(
            webhooks: [
                hook(base, path: "/slack/T000/B000/SECRETTOKEN", format: "slack", events: [.positionOpened]),
                hook(base, path: "/json", format: "json"),
            ], capacity: 10, attempts: 3, initialBackoff: .milliseconds(1),
            logger: Logger(label: "alerts", factory: { _ in log }))
        let alert = Alert(
            kind: .positionOpened, message: "position 2 opened: SPY bull put spread 20260417 560/555 x1", symbol: "SPY",
            time: SimulatorHarness.wednesdayMorning)
        #expect(await dispatcher.deliver(alert))
        let posts = receiver.received.filter { $0.method == "POST" }
        #expect(posts.map(\.uri) == ["/slack/T000/B000/SECRETTOKEN", "/json", "/json"], "one retry after the 503")
        let slack = try #require(try JSONSerialization.jsonObject(with: posts[0].body) as? [String: String])
        #expect(
            slack == ["text": "papertrader position_opened: position 2 opened: SPY bull put spread 20260417 560/555 x1"]
        )
        let json = try #require(try JSONSerialization.jsonObject(with: posts[2].body) as? [String: String])
        #expect(json["event"] == "position_opened" && json["symbol"] == "SPY" && json["time"] == "2026-03-04T15:30:00Z")
        // A kind the Slack receiver did not ask for goes to the JSON one only.
        #expect(await dispatcher.deliver(Alert(kind: .cycleFailed, message: "cycle 9 failed", time: alert.time)))
        #expect(receiver.received.filter { $0.method == "POST" }.last?.uri == "/json")
        // The 503 was logged with the receiver's host, never its URL.
        let lines = log.lines.withLock { $0 }
        #expect(
            lines.contains { $0.contains("503") }
                && !lines.contains { $0.contains("SECRETTOKEN") || $0.contains("/slack") })
    }

    @Test func aFullQueueDropsAndCountsInsteadOfWaiting() async throws {
        let dispatcher = AlertDispatcher(
            webhooks: [
                ResolvedWebhook(url: Secret("http://127.0.0.1:1/x"), format: "json", events: [], shownAs: "127.0.0.1")
            ],
            capacity: 2, attempts: 1, logger: quiet)
        let alert = Alert(kind: .cycleFailed, message: "x", time: Date())
        // Nobody delivers: the third post is refused at once rather than blocking the caller.
        #expect(dispatcher.post(alert) && dispatcher.post(alert))
        #expect(!dispatcher.post(alert))
    }
}

/// The alert path end to end: a trade on the simulator, the service's scan, delivery to a local
/// receiver; and `papertrader alerts test` from the command line.
@Suite(.serialized) struct AlertServiceTests {
    @Test func aTradeReachesTheReceiverOnceAndNothingSecret() async throws {
        let receiver = FakePolygonServer()
        receiver.route("/hook/T9/SECRETPATH", .json("ok"))
        let base = try await receiver.start()
        defer { Task { await receiver.stop() } }
        var options = try tradingOptions()
        options.loaded.webhooks = [
            ResolvedWebhook(
                url: Secret(base.absoluteString + "/hook/T9/SECRETPATH"), format: "json", events: [],
                shownAs: base.host ?? "")
        ]
        try await OrchestratorRuntime.with(options, logger: quiet) { rt in
            var watcher = AlertWatcher(gatewayDownSeconds: 60)
            #expect(await AlertService.scan(rt, &watcher).isEmpty, "the first look is the baseline")
            let (cycle, pictures) = try await rt.collector.collectCycle()
            let report = await rt.trader.onCycle(pictures: pictures, now: cycle.timestamp)
            try #require(!report.opened.isEmpty, "no position opened: \(report)")
            let alerts = await AlertService.scan(rt, &watcher)
            #expect(alerts.filter { $0.kind == .positionOpened }.count == report.opened.count, "\(alerts)")
            let dispatcher = AlertDispatcher(webhooks: rt.webhooks, capacity: 10, attempts: 1, logger: quiet)
            for alert in alerts { #expect(await dispatcher.deliver(alert)) }
            // Once: the next look finds nothing new.
            #expect(await AlertService.scan(rt, &watcher).filter { $0.kind == .positionOpened }.isEmpty)
            let posts = receiver.received.filter { $0.method == "POST" }
            #expect(posts.count == alerts.count)
            let bodies = posts.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.contains { $0.contains("\"event\":\"position_opened\"") && $0.contains("IWM") })
            #expect(bodies.allSatisfy { !$0.contains("SECRETPATH") })
        }
    }

    @Test func alertsTestSendsOneOfEachKindTheReceiverWants() async throws {
        let receiver = FakePolygonServer()
        receiver.route("/hook", .json("ok"))
        let base = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let dir = try CLIProcess.temporaryDirectory("alerts-test")
        try """
        alerts:
          webhooks:
            - url: \(base.absoluteString)/hook
              format: slack
              events: [position_closed, gateway_down]
        storage:
          path: \(dir)/db.sqlite
        """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let result = try CLIProcess.run(["alerts", "test", "--config", dir + "/c.yaml"], in: dir)
        #expect(result.exited && result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("position_closed delivered") && result.stdout.contains("gateway_down delivered"))
        let texts = receiver.received.filter { $0.method == "POST" }.compactMap {
            (try? JSONSerialization.jsonObject(with: $0.body) as? [String: String])?["text"]
        }
        #expect(texts.count == 2 && texts.allSatisfy { $0.hasPrefix("papertrader ") && $0.contains("test alert") })
        // An unreachable receiver: exit 2, the URL not printed.
        try """
        alerts:
          webhooks:
            - url: http://127.0.0.1:1/hook/SECRET
        storage:
          path: \(dir)/db.sqlite
        """.write(toFile: dir + "/d.yaml", atomically: true, encoding: .utf8)
        let failed = try CLIProcess.run(["alerts", "test", "--config", dir + "/d.yaml"], in: dir)
        #expect(failed.status == 2 && failed.stdout.contains("FAILED"))
        #expect(!(failed.stdout + failed.stderr).contains("SECRET"))
    }
}
