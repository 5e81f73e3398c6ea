import Foundation
import GatewaySimulator
import TWSClient
import TWSWire

/// The snapshot benchmark of `papertrader bench snapshots`: N option snapshots through TWSClient from
/// the built-in simulator, against the pacing floor max(N / rate, ceil(N / lines) x snapshot latency).
public struct SnapshotBench: Sendable {
    /// Option snapshots to fetch.
    public var count = 500
    /// Market-data lines (IB default 100).
    public var lines = 100
    /// Messages per second allowed by the gateway (IB: 50).
    public var rate = 50
    /// An already running gateway or simulator on this port instead of an in-process one.
    public var port: Int?

    /// A run with the defaults above.
    public init() {}

    /// Runs the benchmark and returns the report's lines.
    public func run() async throws -> [String] {
        var simConfig = GatewaySimulator.Configuration()
        simConfig.port = 0
        simConfig.start = Date(timeIntervalSince1970: 1_772_638_200)  // 2026-03-04 10:30 New York
        simConfig.maxMarketDataLines = lines
        let simulator = port == nil ? try await GatewaySimulator.start(simConfig) : nil
        var config = TWSClientConfiguration()
        config.port = port ?? simulator?.port ?? 4002
        config.clientId = 91
        config.maxMarketDataLines = lines
        config.maxMessagesPerSecond = rate
        let client = TWSClient(configuration: config)
        let contracts = Self.contracts(count: count)
        let report = try await withThrowingTaskGroup(of: Void.self) { group -> [String] in
            group.addTask { try await client.run() }
            _ = try await client.waitUntilReady(timeout: .seconds(10))
            // Latency of one snapshot, alone, for the floor.
            let one = ContinuousClock.now
            _ = try await client.snapshot(contracts[0], expected: [.bid, .ask, .greeks])
            let latency = (ContinuousClock.now - one).seconds
            let start = ContinuousClock.now
            let complete = try await withThrowingTaskGroup(of: Bool.self) { inner in
                for contract in contracts {
                    inner.addTask {
                        try await client.snapshot(contract, expected: [.bid, .ask, .greeks]).missing.isEmpty
                    }
                }
                var ok = 0
                for try await full in inner where full { ok += 1 }
                return ok
            }
            let elapsed = (ContinuousClock.now - start).seconds
            let pacedRate = Double(rate) * 0.9
            var out: [String] = []
            let floor = max(Double(count) / pacedRate, (Double(count) / Double(lines)).rounded(.up) * latency)
            out.append(
                "snapshot benchmark: \(count) option snapshots, \(lines) lines, \(rate) msg/s (client paces at \(Int(pacedRate)))"
            )
            out.append(String(format: "  elapsed          %.2f s (%.0f snapshots/s)", elapsed, Double(count) / elapsed))
            out.append(
                String(
                    format: "  pacing floor     %.2f s = max(%d / %.0f, ceil(%d / %d) x %.3f s latency)", floor, count,
                    pacedRate, count, lines, latency))
            out.append(String(format: "  ratio to floor   %.2f", elapsed / floor))
            out.append("  complete         \(complete)/\(count) with bid, ask and greeks")
            group.cancelAll()
            return out
        }
        await simulator?.shutdown()
        return report
    }

    /// SPY options around the money over the first expiries (what a chain collection asks for).
    static func contracts(count: Int) -> [TWSContract] {
        var out: [TWSContract] = []
        let expiries = ["20260306", "20260313", "20260320", "20260327", "20260402", "20260410", "20260417", "20260424"]
        var i = 0
        while out.count < count {
            let expiry = expiries[(i / 60) % expiries.count]
            let strike = 560.0 + Double(i % 30) * 2
            out.append(
                TWSContract(
                    symbol: "SPY", secType: TWSSecurityType.option.rawValue, lastTradeDateOrContractMonth: expiry,
                    strike: strike,
                    right: i % 60 < 30 ? "C" : "P", multiplier: "100"))
            i += 1
        }
        return out
    }
}
