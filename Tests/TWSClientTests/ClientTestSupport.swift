import Foundation
import GatewaySimulator
import Logging
import TWSClient
import TWSWire
import TestSupport

/// Runs a client against a fresh simulator for the duration of `body`.
func withClient<R: Sendable>(
    simulator configureSimulator: (inout GatewaySimulator.Configuration) -> Void = { _ in },
    client configureClient: @Sendable (inout TWSClientConfiguration) -> Void = { _ in },
    _ body: @Sendable (TWSClient, GatewaySimulator) async throws -> R
) async throws -> R {
    try await SimulatorHarness.with(configureSimulator) { sim in
        var config = TWSClientConfiguration()
        config.port = sim.port
        config.clientId = 21
        config.requestTimeout = .seconds(15)
        config.reconnectInitialBackoff = .milliseconds(100)
        config.reconnectMaxBackoff = .milliseconds(400)
        configureClient(&config)
        let client = TWSClient(
            configuration: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try? await client.run()
                return nil
            }
            defer { group.cancelAll() }
            _ = try await client.waitUntilReady(timeout: .seconds(60))
            let result = try await body(client, sim)
            group.cancelAll()
            return result
        }
    }
}

func spyStock() -> TWSContract { TWSContract(symbol: "SPY", secType: "STK", exchange: "SMART", currency: "USD") }

func spyOption(_ strike: Double, _ right: String, expiry: String = "20260417") -> TWSContract {
    TWSContract(
        symbol: "SPY", secType: "OPT", lastTradeDateOrContractMonth: expiry, strike: strike, right: right,
        multiplier: "100")
}
