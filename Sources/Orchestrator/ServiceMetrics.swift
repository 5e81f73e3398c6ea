import Foundation
import MarketData
import Metrics
import Prometheus
import SnapshotStore
import TWSClient
import Trading

/// The process's Prometheus registry behind swift-metrics: once the executable bootstrapped
/// swift-metrics with `makeFactory()`, every `Counter`/`Timer`/`Gauge` made anywhere (TWSClient's
/// message counters included) lands in it, and `/metrics` renders it. Library code never bootstraps
/// the process-global `MetricsSystem`: without the executable's bootstrap, metrics go nowhere.
public enum ServiceMetrics {
    /// The registry `/metrics` renders, created on first use.
    public static let registry = PrometheusCollectorRegistry()

    /// The factory for the executable's one `MetricsSystem.bootstrap`: Prometheus over `registry`,
    /// with cycle-duration buckets that fit cycles of seconds to minutes.
    public static func makeFactory(registry: PrometheusCollectorRegistry = registry) -> any MetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["papertrader_cycle_duration_seconds"] = [
            .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(60),
            .seconds(120), .seconds(300),
        ]
        return factory
    }

    /// A finished collection cycle.
    static func recordCycle(_ report: CycleReport) {
        Metrics.Timer(label: "papertrader_cycle_duration_seconds").recordNanoseconds(
            Int64(report.seconds * 1_000_000_000))
        Counter(label: "papertrader_cycles_total", dimensions: [("status", report.status.rawValue)]).increment()
        for s in report.symbols {
            Counter(label: "papertrader_contracts_written_total", dimensions: [("symbol", s.symbol)]).increment(
                by: s.contracts)
            if s.error != nil {
                Counter(label: "papertrader_symbol_failures_total", dimensions: [("symbol", s.symbol)]).increment()
            }
        }
    }

    /// An IB error or notice seen on the connection.
    static func recordIBCode(_ code: Int) {
        Counter(label: "papertrader_ib_errors_total", dimensions: [("code", String(code))]).increment()
        IBCodeLog.shared.record(code)
    }

    /// Gauges read at scrape time from the live services, then the registry's text.
    static func render(_ rt: Runtime) async -> String {
        Gauge(label: "papertrader_market_data_lines_in_use").record(rt.client.linesInUse)
        Gauge(label: "papertrader_market_data_lines_peak").record(rt.client.peakLines)
        Gauge(label: "papertrader_pacing_waits").record(rt.client.pacingWaits)
        Gauge(label: "papertrader_gateway_connected").record(rt.client.connectionInfo == nil ? 0 : 1)
        for (name, breaker) in rt.fetcher.breakers {
            let value = breaker.currentState == .closed ? 0 : breaker.currentState == .halfOpen ? 1 : 2
            Gauge(label: "papertrader_breaker_state", dimensions: [("provider", name)]).record(value)
        }
        if let summary = try? await rt.trader.summary() {
            Gauge(label: "papertrader_positions_open").record(summary.openPositions)
            Gauge(label: "papertrader_pnl_realized_dollars").record(summary.realizedPnL)
            Gauge(label: "papertrader_pnl_unrealized_dollars").record(summary.unrealizedPnL)
            Gauge(label: "papertrader_equity_dollars").record(summary.equity)
            Gauge(label: "papertrader_open_risk_dollars").record(summary.openRisk)
        }
        if let orders = try? rt.store.orders(limit: 10_000) {
            let byStatus = Dictionary(grouping: orders, by: \.status)
            for status in OrderStatus.allCases {
                Gauge(label: "papertrader_orders", dimensions: [("status", status.rawValue)]).record(
                    byStatus[status]?.count ?? 0)
            }
        }
        return withHelp(registry.emitToString())
    }

    /// The `# HELP` text of every metric family the process exports. swift-metrics has no place for
    /// help text (its Prometheus factory registers every family with none), so `render` adds these
    /// lines to the registry's text; `promtool check metrics` wants one per family.
    static let help: [String: String] = [
        "papertrader_cycle_duration_seconds": "Wall-clock duration of each finished collection cycle.",
        "papertrader_cycles_total": "Finished collection cycles by status (ok, partial, failed).",
        "papertrader_contracts_written_total": "Option contracts written to the store, by symbol.",
        "papertrader_symbol_failures_total": "Symbols a collection cycle could not collect, by symbol.",
        "papertrader_ib_errors_total": "IB error and notice codes seen on the gateway connection, by code.",
        "papertrader_market_data_lines_in_use": "Market-data lines (streaming subscriptions) open now.",
        "papertrader_market_data_lines_peak": "Most market-data lines open at once since start.",
        "papertrader_pacing_waits": "Requests the client held back for IB's pacing limits since start.",
        "papertrader_gateway_connected": "1 while connected to the gateway, 0 otherwise.",
        "papertrader_breaker_state": "Circuit breaker per data provider: 0 closed, 1 half open, 2 open.",
        "papertrader_positions_open": "Open paper positions.",
        "papertrader_pnl_realized_dollars": "Realized P&L of closed paper trades, in dollars.",
        "papertrader_pnl_unrealized_dollars": "Unrealized P&L of open paper positions, in dollars.",
        "papertrader_equity_dollars": "Paper account equity (cash plus open positions' value), in dollars.",
        "papertrader_open_risk_dollars": "Maximum loss of the open positions, in dollars.",
        "papertrader_orders": "Orders in the journal by status (the latest 10000).",
        "papertrader_alerts_dropped_total": "Alerts dropped because the delivery queue was full.",
        "papertrader_alerts_delivered_total": "Alert deliveries a receiver accepted.",
        "papertrader_alerts_failed_total": "Alert deliveries that failed after every attempt.",
        "tws_messages_in_total": "TWS API messages received from the gateway.",
        "tws_messages_out_total": "TWS API messages sent to the gateway.",
    ]

    /// `text` with a `# HELP` line before each `# TYPE` line whose family has help text and none yet.
    static func withHelp(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), lines.last?.hasPrefix("# HELP ") != true {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                if let help = help[String(name)] { lines.append("# HELP \(name) \(help)") }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
