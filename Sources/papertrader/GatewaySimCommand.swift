import AppConfig
import ArgumentParser
import Foundation
import GatewaySimulator
import Logging
import NIOCore
import NIOPosix
import Orchestrator

/// `papertrader gateway-sim`: the built-in IB Gateway simulator as a standalone server.
struct GatewaySimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-sim",
        abstract: "Run the built-in IB Gateway simulator (TWS protocol, versions 157-200) on a TCP port.",
        discussion: """
            Serves a simulated market (SPY, QQQ, IWM, VIX and their option chains), a paper account with order \
            matching, IB's pacing and line limits, and scripted faults. Any TWS API client can connect: IB's own \
            ibapi, ib_async, or papertrader itself.
            """
    )

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 = any free port; the chosen port is printed).") var port = 4002
    @Option(help: "Seed of the simulated market.") var seed: UInt64 = 1
    @Option(help: "Managed accounts, comma-separated (paper ids start with D).") var accounts = "DU1234567"
    @Option(help: "Highest server version offered (157...200).") var maxVersion = 200
    @Option(help: "Market data entitlement: live, delayed or none.") var marketData = "live"
    @Option(help: "Simulated exchange time at start, ISO 8601 (e.g. 2026-03-04T10:30:00-05:00). Default: now.")
    var start: String?
    @Option(help: "Simulated seconds per real second.") var clockSpeed = 1.0
    @Option(help: "Fault script (JSON or YAML).") var faults: String?
    @Option(help: "Extra underlyings beyond SPY, QQQ, IWM, comma-separated.") var symbols: String?
    @Option(help: "The paper account's starting cash (paper accounts usually hold 1,000,000).")
    var startingCash = 100_000.0
    @Option(help: "The API client id that also receives every other client's order and execution events.")
    var masterClientId: Int?

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 1 and 65535 (or 0 for any free port), got \(port)")
        }
        guard startingCash > 0, startingCash.isFinite else {
            throw ValidationError("--starting-cash must be a positive amount, got \(startingCash)")
        }
        guard (157...200).contains(maxVersion) else {
            throw ValidationError("--max-version must be between 157 and 200 (201+ is the binary protocol)")
        }
        guard GatewaySimulator.MarketDataMode(rawValue: marketData) != nil else {
            throw ValidationError("--market-data must be live, delayed or none")
        }
        guard clockSpeed > 0, clockSpeed <= 10_000 else { throw ValidationError("--clock-speed must be in (0, 10000]") }
        if let start, ISO8601.parse(start) == nil {
            throw ValidationError("--start '\(start)' is not an ISO 8601 time like 2026-03-04T10:30:00-05:00")
        }
    }

    func run() async throws {
        var config = GatewaySimulator.Configuration()
        config.host = host
        config.port = port
        config.seed = seed
        config.accounts = accounts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        config.maxVersion = maxVersion
        config.marketData = GatewaySimulator.MarketDataMode(rawValue: marketData) ?? .live
        config.start = start.flatMap(ISO8601.parse)
        config.clockSpeed = clockSpeed
        config.extraSymbols = symbols?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        config.startingCash = startingCash
        config.masterClientId = masterClientId
        if let path = faults {
            config.faults = try Self.loadFaults(path)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let simulator = GatewaySimulator(configuration: config)
        do {
            // Bind once up front: a port in use is reported here, before the simulator starts (its own
            // bind failure would otherwise surface only as a cancelled wait for the port).
            try await Self.checkPortFree(host: host, port: port)
            try await serve(simulator, config: config)
        } catch {
            FileHandle.standardError.write(Data("Error: \(Self.explain(error, host: host, port: port))\n".utf8))
            throw ExitStatus.fatal
        }
    }

    /// Binds and releases `host:port` (0: nothing to check), throwing NIO's bind error.
    static func checkPortFree(host: String, port: Int) async throws {
        guard port != 0 else { return }
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port).get()
        try await probe.close()
    }

    /// What a failure to listen means, in words (NIO reports it as an errno).
    static func explain(_ error: any Error, host: String, port: Int) -> String {
        guard let io = error as? IOError else { return "the simulator stopped: \(error)" }
        switch io.errnoCode {
        case EADDRINUSE:
            return
                "port \(port) is already in use on \(host) (another gateway-sim, IB Gateway or TWS?): stop it or choose another --port"
        case EACCES:
            return "not allowed to listen on port \(port) (ports below 1024 need privileges): choose another --port"
        case EADDRNOTAVAIL:
            return "\(host) is not an address of this machine: choose another --host"
        default:
            return "cannot listen on \(host):\(port): \(io)"
        }
    }

    func serve(_ simulator: GatewaySimulator, config: GatewaySimulator.Configuration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await simulator.run() }
            let bound: Int
            do {
                bound = try await simulator.listeningPort()
            } catch {
                // The simulator stopped before it listened: its own error (e.g. the bind) says why.
                try await group.next()
                throw error
            }
            let banner =
                "gateway simulator listening on \(host):\(bound) (accounts \(config.accounts.joined(separator: ",")), server version <= \(maxVersion), market data \(marketData), simulated time \(ISO8601.format(simulator.now)), speed x\(clockSpeed))\n"
            // Written unbuffered: scripts wait for this line to learn the port.
            FileHandle.standardOutput.write(Data(banner.utf8))
            try await group.next()
        }
    }

    static func loadFaults(_ path: String) throws -> FaultScript {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ValidationError("cannot read fault script \(path)")
        }
        do {
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
                return try FaultScript.decode(json: data)
            }
            return try YAMLDecoding.decode(FaultScript.self, from: text)
        } catch {
            throw ValidationError("fault script \(path) is invalid: \(error)")
        }
    }
}
