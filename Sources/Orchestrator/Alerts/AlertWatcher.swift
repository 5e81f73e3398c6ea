import AppConfig
import Foundation
import OptionsModel
import SnapshotStore

/// Turns what the service already records into alerts: new journal events (positions, orders, the
/// daily loss limit, controls), newly finished cycles, and changes of the health state (gateway,
/// breakers, data freshness, kill switch). Each state change is alerted once; the first scan only
/// takes the baseline, so a restart does not replay history as alerts.
public struct AlertWatcher: Sendable {
    /// `gateway_down` waits this long.
    let gatewayDownSeconds: Double
    var lastEventID: Int64?
    var lastCycleID: Int64?
    var gatewayDownSince: Date?
    var gatewayDownAlerted = false
    var openBreakers: Set<String> = []
    var staleData: Set<String> = []
    var killSwitch: Bool?
    var lossLimitDay: TradingDay?
    var baselined = false
    let calendar = MarketCalendar()

    /// A watcher that sends `gateway_down` after `gatewayDownSeconds`.
    public init(gatewayDownSeconds: Double) { self.gatewayDownSeconds = gatewayDownSeconds }

    /// The alerts since the previous scan. `events` and `cycles` may be the latest of each, newest
    /// first or not (what was seen is skipped).
    public mutating func scan(
        events: [JournalEvent], cycles: [CollectionCycle], health: HealthReport, killSwitch on: Bool, now: Date
    ) -> [Alert] {
        var out: [Alert] = []
        let previousEvent = lastEventID
        let newEvents = events.filter { e in
            guard let id = e.id else { return false }
            return previousEvent.map { id > $0 } ?? true
        }.sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        let previousCycle = lastCycleID
        let finished = cycles.filter { c in c.status != .running && (previousCycle.map { c.id > $0 } ?? true) }
            .sorted { $0.id < $1.id }
        lastEventID = max(lastEventID ?? 0, events.compactMap { $0.id }.max() ?? 0)
        lastCycleID = max(lastCycleID ?? 0, finished.map { $0.id }.max() ?? 0)
        let wasBaselined = baselined
        baselined = true
        if wasBaselined {
            for e in newEvents { if let a = alert(for: e) { out.append(a) } }
            for c in finished where c.status == .failed || c.status == .partial {
                let why = c.errors.prefix(2).joined(separator: "; ")
                out.append(
                    Alert(
                        kind: c.status == .failed ? .cycleFailed : .cyclePartial,
                        message: "cycle \(c.id) \(c.status.rawValue)\(why.isEmpty ? "" : ": \(why)")",
                        time: c.finishedAt ?? now))
            }
        }
        out += stateChanges(health, killSwitch: on, now: now, alert: wasBaselined)
        return out
    }

    /// The alert a journal event means, if any.
    mutating func alert(for e: JournalEvent) -> Alert? {
        switch e.kind {
        case .positionOpened: return Alert(kind: .positionOpened, message: e.message, symbol: e.symbol, time: e.time)
        case .positionClosed where e.message.contains(" closed: "):
            return Alert(kind: .positionClosed, message: e.message, symbol: e.symbol, time: e.time)
        case .orderRefused: return Alert(kind: .orderRejected, message: e.message, symbol: e.symbol, time: e.time)
        case .order(.cancelled):
            return Alert(kind: .orderUnfilled, message: e.message, symbol: e.symbol, time: e.time)
        case .riskRefused where e.message.contains("daily loss"):
            // Once a day: every symbol of every cycle would repeat it.
            let day = calendar.tradingDay(of: e.time)
            guard lossLimitDay != day else { return nil }
            lossLimitDay = day
            return Alert(kind: .dailyLossLimit, message: e.message, symbol: e.symbol, time: e.time)
        default: return nil
        }
    }

    /// Alerts for health changes since the last scan (none on the first, which sets the baseline).
    mutating func stateChanges(_ health: HealthReport, killSwitch on: Bool, now: Date, alert: Bool) -> [Alert] {
        var out: [Alert] = []
        if let gateway = health.checks.first(where: { $0.name == "gateway" }) {
            if gateway.status == .ok {
                if gatewayDownAlerted {
                    out.append(Alert(kind: .gatewayBack, message: "gateway back: \(gateway.detail)", time: now))
                }
                gatewayDownSince = nil
                gatewayDownAlerted = false
            } else {
                let since = gatewayDownSince ?? now
                gatewayDownSince = since
                if !gatewayDownAlerted && now.timeIntervalSince(since) >= gatewayDownSeconds {
                    gatewayDownAlerted = true
                    out.append(
                        Alert(
                            kind: .gatewayDown,
                            message: String(
                                format: "gateway down for %.0f s: %@", now.timeIntervalSince(since), gateway.detail),
                            time: now))
                }
            }
        }
        for check in health.checks where check.name.hasPrefix("breaker ") {
            let name = String(check.name.dropFirst("breaker ".count))
            let open = check.status != .ok
            if open && !openBreakers.contains(name) {
                openBreakers.insert(name)
                if alert {
                    out.append(Alert(kind: .breakerOpened, message: "breaker \(name) \(check.detail)", time: now))
                }
            } else if !open && openBreakers.contains(name) {
                openBreakers.remove(name)
                if alert { out.append(Alert(kind: .breakerClosed, message: "breaker \(name) closed", time: now)) }
            }
        }
        for check in health.checks where check.name.hasPrefix("data ") {
            let symbol = String(check.name.dropFirst("data ".count))
            let stale = check.status != .ok
            if stale && !staleData.contains(symbol) {
                staleData.insert(symbol)
                if alert {
                    out.append(
                        Alert(kind: .dataStale, message: "\(symbol): \(check.detail)", symbol: symbol, time: now))
                }
            } else if !stale {
                staleData.remove(symbol)
            }
        }
        if let before = killSwitch, before != on, alert {
            out.append(
                Alert(
                    kind: .killSwitchChanged,
                    message: on ? "kill switch on: no new entries" : "kill switch off: entries resume", time: now))
        }
        killSwitch = on
        return out
    }
}
