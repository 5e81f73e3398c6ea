import Foundation
import GatewaySimulator
import Logging
import SnapshotStore
import Trading

/// `papertrader run` from start to stop: the runtime, reconciliation with the gateway, the services
/// until `cycles` or a stop signal, then the store's and the portfolio's figures. Every line of
/// output goes to the caller, which prints it.
public enum RunSession {
    /// Runs the session; `line` receives each piece of output (possibly several lines) as it happens.
    public static func run(
        _ options: RuntimeOptions, cycles: Int?, logger: Logger, line: @escaping @Sendable (String) -> Void
    ) async throws {
        try await OrchestratorRuntime.with(options, logger: logger) { rt in
            if let sim = rt.simulator {
                line("simulator: exchange time \(ISO8601.format(sim.now)), speed x\(rt.speed)")
            }
            let reconciled = await rt.trader.reconcile(now: await rt.marketTime())
            if reconciled.ordersChecked > 0 || reconciled.orphansCancelled > 0 || !reconciled.mismatches.isEmpty {
                line(
                    "reconciled: \(reconciled.ordersChecked) in-flight orders (\(reconciled.ordersRecovered) filled, \(reconciled.ordersCancelled) cancelled), \(reconciled.orphansCancelled) orphaned orders cancelled, \(reconciled.fillsRecovered) fills recovered"
                )
                for m in reconciled.mismatches { line("  position difference: \(m)") }
            }
            let output = RunServices.Output(
                cycle: { report in line(CycleTable.render(report)) },
                trades: { trades in
                    let lines = TraderLines.render(trades)
                    if !lines.isEmpty { line(lines) }
                },
                note: line)
            try await RunServices.run(rt, cycles: cycles, output: output, logger: logger)
            let stats = try rt.store.stats()
            line("store: \(stats.optionRows) option rows, \(stats.cycles) cycles in \(rt.store.path)")
            line(TradingReport.summaryText(try await rt.trader.summary()))
        }
    }
}
