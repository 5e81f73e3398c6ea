import Foundation
import GatewaySimulator

/// Starts a gateway simulator on 127.0.0.1:0 for a test and stops it afterwards.
public enum SimulatorHarness {
    /// A fixed Wednesday mid-morning in New York: tests never depend on the day they run.
    public static let wednesdayMorning = Date(timeIntervalSince1970: 1_772_638_200)  // 2026-03-04 10:30 -05:00

    /// Runs `body` with a started simulator.
    public static func with<R: Sendable>(
        _ configure: (inout GatewaySimulator.Configuration) -> Void = { _ in },
        _ body: (GatewaySimulator) async throws -> R
    ) async throws -> R {
        var config = GatewaySimulator.Configuration()
        config.port = 0
        config.start = wednesdayMorning
        config.streamInterval = .milliseconds(50)
        configure(&config)
        let simulator = try await GatewaySimulator.start(config)
        do {
            let result = try await body(simulator)
            await simulator.shutdown()
            return result
        } catch {
            await simulator.shutdown()
            throw error
        }
    }
}
