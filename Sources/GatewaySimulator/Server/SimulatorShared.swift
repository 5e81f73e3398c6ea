import Foundation
import OptionsModel
import Synchronization
import TWSWire

/// State shared by every connection of one simulated gateway: clock, market, paper account,
/// client ids in use, the error log, and the fault channel.
final class SimulatorShared: Sendable {
    let configuration: GatewaySimulator.Configuration
    let clock: SimulationClock
    let market: SimulatedMarket
    let account: PaperAccount
    let marketPort: MarketPort
    var accountPort: any SimAccountPort { account }
    private let state = Mutex(State())

    struct State {
        var clientIds: Set<Int> = []
        var errorCodes: [Int] = []
        var sessions: [Int: SessionHandle] = [:]
        var nextSessionID = 0
        var restartContinuations: [AsyncStream<Double>.Continuation] = []
        var refuseUntil: Date?
        var peakRate = 0
    }

    func recordPeakRate(_ rate: Int) {
        state.withLock { $0.peakRate = max($0.peakRate, rate) }
    }

    var peakMessageRate: Int { state.withLock { $0.peakRate } }

    /// A running session's mailbox for injected faults.
    struct SessionHandle: Sendable {
        let faults: AsyncStream<FaultAction>.Continuation
    }

    init(configuration: GatewaySimulator.Configuration) {
        self.configuration = configuration
        let start = configuration.start ?? Date()
        self.clock = SimulationClock(start: start, speed: configuration.clockSpeed)
        var symbols = ["SPY", "QQQ", "IWM"]
        for extra in configuration.extraSymbols where !symbols.contains(extra) { symbols.append(extra) }
        self.market = SimulatedMarket(seed: configuration.seed, symbols: symbols, reference: start)
        self.account = PaperAccount(
            accounts: configuration.accounts, market: market, startingCash: configuration.startingCash,
            masterClientId: configuration.masterClientId)
        self.marketPort = MarketPort(market: market)
    }

    // MARK: Client ids (326)

    /// Registers a client id; false when another connection holds it.
    func claimClientId(_ id: Int) -> Bool {
        state.withLock { $0.clientIds.insert(id).inserted }
    }

    func releaseClientId(_ id: Int) {
        _ = state.withLock { $0.clientIds.remove(id) }
    }

    // MARK: Error log

    func recordError(_ code: Int) {
        state.withLock { $0.errorCodes.append(code) }
    }

    var errorCodesSent: [Int] { state.withLock { $0.errorCodes } }

    // MARK: Sessions and faults

    /// Registers a session and returns its id and fault stream.
    func register() -> (Int, AsyncStream<FaultAction>) {
        let (stream, continuation) = AsyncStream<FaultAction>.makeStream()
        let id = state.withLock { state in
            state.nextSessionID += 1
            state.sessions[state.nextSessionID] = SessionHandle(faults: continuation)
            return state.nextSessionID
        }
        return (id, stream)
    }

    func unregister(_ id: Int) {
        let handle = state.withLock { $0.sessions.removeValue(forKey: id) }
        handle?.faults.finish()
    }

    /// Delivers an injected fault: restarts go to the listener, the rest to every session.
    func inject(_ action: FaultAction) {
        if case .restart(let downSeconds) = action {
            let continuations = state.withLock { $0.restartContinuations }
            for c in continuations { c.yield(downSeconds) }
            return
        }
        // The account outlives connections: its faults apply even when no client is connected.
        switch action {
        case .stickOrdersInPreSubmitted: account.stickInPreSubmitted(nil)
        case .clear: account.acceptNewOrdersNormally()
        default: break
        }
        let handles = state.withLock { Array($0.sessions.values) }
        for h in handles { h.faults.yield(action) }
    }

    /// A stream of restart requests (down time in seconds) for the listener loop.
    func restartRequests() -> AsyncStream<Double> {
        let (stream, continuation) = AsyncStream<Double>.makeStream()
        state.withLock { $0.restartContinuations.append(continuation) }
        return stream
    }

    /// Ends every session's fault stream (their connections close with the listener's task group).
    func closeAllSessions() {
        let handles = state.withLock { state in
            defer { state.sessions = [:] }
            return Array(state.sessions.values)
        }
        for h in handles { h.faults.finish() }
    }
}
