import Foundation
import Logging
import NIOCore
import NIOPosix
import OptionsModel
import Synchronization
import TWSWire

/// A protocol-exact IB Gateway on a real TCP socket: handshake, managed accounts, market data,
/// history, a paper account with order matching, IB's limits and scripted faults.
public final class GatewaySimulator: Sendable {
    /// How market data is entitled on the simulated account.
    public enum MarketDataMode: String, Sendable, CaseIterable {
        /// Live data (types 1/2 served as asked).
        case live
        /// No live permission: delayed data with 10167, delayed tick ids.
        case delayed
        /// No market data at all: 354 (or 10168 when delayed was asked for).
        case none
    }

    /// Everything a simulator run is made of.
    public struct Configuration: Sendable {
        public var host: String = "127.0.0.1"
        /// 0 binds an ephemeral port (read it from `port`).
        public var port: Int = 4002
        public var seed: UInt64 = 1
        /// Managed accounts; paper ids start with D.
        public var accounts: [String] = ["DU1234567"]
        /// Highest version offered in the handshake (157...200).
        public var maxVersion: Int = 200
        public var marketData: MarketDataMode = .live
        /// Simulated exchange time at start-up; nil = now.
        public var start: Date? = nil
        /// Simulated seconds per real second.
        public var clockSpeed: Double = 1
        /// Extra underlyings beyond SPY, QQQ, IWM.
        public var extraSymbols: [String] = []
        /// IB's message-rate limit (client -> gateway messages per second).
        public var maxMessagesPerSecond: Int = 50
        /// IB's concurrent market-data line limit.
        public var maxMarketDataLines: Int = 100
        /// Real time between streaming updates.
        public var streamInterval: Duration = .milliseconds(250)
        /// Scripted faults, run against every connection.
        public var faults: FaultScript? = nil
        /// The master API client id: receives every client's order and execution events (IB's "Master
        /// API client ID" setting); nil for none.
        public var masterClientId: Int? = nil
        /// Cash in the paper account at start (IB's paper accounts usually hold $1,000,000).
        public var startingCash: Double = 100_000

        public init() {}
    }

    let configuration: Configuration
    let shared: SimulatorShared
    let logger: Logger
    private let runState = Mutex(RunState())

    struct RunState {
        var task: Task<Void, any Error>?
        var port: Int?
        var portWaiters: [CheckedContinuation<Int, any Error>] = []
    }

    /// A simulator that serves once `run()` (or `start`) is called.
    public init(configuration: Configuration, logger: Logger = Logger(label: "gateway-sim")) {
        self.configuration = configuration
        self.logger = logger
        self.shared = SimulatorShared(configuration: configuration)
    }

    /// Starts serving in a task owned by the returned simulator; `shutdown()` ends it.
    public static func start(
        _ configuration: Configuration, logger: Logger = Logger(label: "gateway-sim")
    ) async throws -> GatewaySimulator {
        let simulator = GatewaySimulator(configuration: configuration, logger: logger)
        let task = Task { try await simulator.run() }
        simulator.runState.withLock { $0.task = task }
        _ = try await simulator.listeningPort()
        return simulator
    }

    /// Stops serving and closes every connection.
    public func shutdown() async {
        let task = runState.withLock { $0.task }
        task?.cancel()
        _ = await task?.result
    }

    /// The bound port (after the listener is up).
    public var port: Int {
        runState.withLock { $0.port ?? configuration.port }
    }

    /// Waits until the listener is bound and returns its port.
    public func listeningPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Int? = runState.withLock { state in
                if let port = state.port { return port }
                state.portWaiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Every IB error code the simulator has sent, in order (tests assert pacing with it).
    public var errorCodesSent: [Int] { shared.errorCodesSent }

    /// The most client messages any connection sent within one second (tests assert pacing with it).
    public var peakMessageRate: Int { shared.peakMessageRate }

    /// Every new order the account accepted (order id, orderRef), in arrival order: a duplicate
    /// submission shows up as one orderRef under two order ids.
    public var acceptedOrders: [(orderId: Int, orderRef: String)] { shared.account.acceptedOrders() }

    /// Every execution the account produced (execId, orderRef), to prove no fill was lost.
    public var executionIDs: [(execId: String, orderRef: String)] {
        shared.account.executions().map { ($0.0.execution.execId, $0.0.execution.orderRef) }
    }

    /// The simulated exchange time now.
    public var now: Date { shared.clock.now() }

    /// Moves simulated time forward (multi-day tests and demos); the clock keeps its speed.
    /// orderRefs of the orders working at the account now, every client's.
    public var workingOrderRefs: [String] { shared.account.openOrders(clientId: nil).map(\.0.order.orderRef) }

    /// The simulated market's price of `symbol` at `date` (what its quotes and settlements use).
    public func underlyingPrice(_ symbol: String, at date: Date) -> Double? {
        shared.market.price(symbol, at: date)
    }

    public func advanceClock(by seconds: TimeInterval) {
        shared.clock.advance(by: seconds)
    }

    /// Injects a fault into the running simulator (affects current connections, or the listener).
    public func inject(_ action: FaultAction) {
        shared.inject(action)
    }

    /// Serves until cancelled: binds, accepts connections, and rebinds after a scripted restart.
    public func run() async throws {
        defer {
            runState.withLock { state in
                for waiter in state.portWaiters { waiter.resume(throwing: CancellationError()) }
                state.portWaiters = []
            }
        }
        var boundPort = configuration.port
        while !Task.isCancelled {
            let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: boundPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ArrivalStamper())
                        // Keep reading while the session works: arrivals are stamped on the socket's
                        // time, so a busy session never bunches a paced client's messages together.
                        return try NIOAsyncChannel<StampedChunk, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(backPressureStrategy: .init(lowWatermark: 256, highWatermark: 4096)))
                    }
                }
            boundPort = listener.channel.localAddress?.port ?? boundPort
            let waiters = runState.withLock { state in
                state.port = boundPort
                defer { state.portWaiters = [] }
                return state.portWaiters
            }
            for waiter in waiters { waiter.resume(returning: boundPort) }
            logger.info("gateway simulator listening", metadata: ["sim.port": "\(boundPort)"])

            let restart = try await serve(listener)
            guard let downFor = restart, !Task.isCancelled else { return }
            logger.info("gateway simulator restarting", metadata: ["sim.down_seconds": "\(downFor)"])
            try await Task.sleep(for: .seconds(downFor))
        }
    }

    /// Accepts connections until cancelled or a restart is requested (returns its down time).
    private func serve(_ listener: NIOAsyncChannel<NIOAsyncChannel<StampedChunk, ByteBuffer>, Never>) async throws
        -> Double?
    {
        let restarts = shared.restartRequests()
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            group.addTask {
                try await listener.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            connections.addTask {
                                let session = SimulatorSession(shared: self.shared, logger: self.logger)
                                await session.serve(connection)
                            }
                        }
                    }
                }
                return nil
            }
            group.addTask {
                for await downSeconds in restarts { return downSeconds }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            // A restart closes the listener and every session (they observe cancellation).
            shared.closeAllSessions()
            try? await listener.channel.close()
            return first
        }
    }
}
