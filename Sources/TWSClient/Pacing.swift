import Synchronization

/// A token bucket: at most `rate` messages per second with a burst of `burst`, so the gateway's
/// 50-per-second limit is never reached (IB answers excess with error 100 and then disconnects).
public final class TokenBucket<C: Clock>: Sendable where C.Duration == Duration, C: Sendable {
    public let rate: Double
    public let burst: Double
    private let clock: C
    private let state: Mutex<State>

    struct State {
        var tokens: Double
        var updated: C.Instant
        var waits = 0
    }

    /// A bucket refilling `rate` tokens a second, holding at most `burst`.
    public init(rate: Double, burst: Double, clock: C) {
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.state = Mutex(State(tokens: burst, updated: clock.now))
    }

    /// Takes a token if one is there; otherwise returns how long until one will be.
    public func tryAcquire() -> Duration? {
        state.withLock { s in
            let now = clock.now
            let elapsed = s.updated.duration(to: now)
            s.tokens = min(burst, s.tokens + elapsed.seconds * rate)
            s.updated = now
            if s.tokens >= 1 {
                s.tokens -= 1
                return nil
            }
            s.waits += 1
            return .seconds((1 - s.tokens) / rate)
        }
    }

    /// Waits for a token (cancellable).
    public func acquire() async throws {
        while let wait = tryAcquire() {
            try await clock.sleep(for: wait)
        }
    }

    /// How often a caller had to wait.
    public var waits: Int { state.withLock { $0.waits } }
}

extension Duration {
    /// The duration in seconds as a double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// IB's historical-data rules, applied before sending: no identical request within 15 s, at most 6
/// requests for one contract within 2 s, at most 60 in 10 minutes, at most 50 open.
public final class HistoricalPacer<C: Clock>: Sendable where C.Duration == Duration, C: Sendable {
    private let clock: C
    private let state: Mutex<State>

    struct State {
        var sent: [(key: String, contract: String, at: C.Instant)] = []
        var open = 0
    }

    public init(clock: C) {
        self.clock = clock
        self.state = Mutex(State())
    }

    /// How long to wait before a request with this identity may go (nil = now), counting it as sent
    /// when it may.
    public func reserve(key: String, contract: String) -> Duration? {
        state.withLock { s in
            let now = clock.now
            s.sent.removeAll { $0.at.duration(to: now) >= .seconds(600) }
            var wait = Duration.zero
            if let same = s.sent.last(where: { $0.key == key }) {
                wait = max(wait, .seconds(15) - same.at.duration(to: now))
            }
            let recentSameContract = s.sent.filter { $0.contract == contract && $0.at.duration(to: now) < .seconds(2) }
            if recentSameContract.count >= 5, let oldest = recentSameContract.first {
                wait = max(wait, .seconds(2) - oldest.at.duration(to: now))
            }
            if s.sent.count >= 60, let oldest = s.sent.first {
                wait = max(wait, .seconds(600) - oldest.at.duration(to: now))
            }
            if s.open >= 50 { wait = max(wait, .milliseconds(100)) }
            if wait > .zero { return wait + .milliseconds(1) }
            s.sent.append((key, contract, now))
            s.open += 1
            return nil
        }
    }

    /// Waits until the request may go, then counts it.
    public func acquire(key: String, contract: String) async throws {
        while let wait = reserve(key: key, contract: contract) {
            try await clock.sleep(for: wait)
        }
    }

    /// A request finished (answered, failed or cancelled).
    public func release() {
        state.withLock { $0.open = max(0, $0.open - 1) }
    }
}

/// A fair (FIFO) async semaphore over the account's market-data lines.
public final class MarketDataLines: Sendable {
    public let capacity: Int
    private let state: Mutex<State>

    struct State {
        var inUse = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextWaiter = 0
        var peak = 0
    }

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State())
    }

    /// Takes a line, waiting in line order when all are in use (cancellable).
    public func acquire() async throws {
        let id: Int? = state.withLock { s in
            if s.inUse < capacity && s.waiters.isEmpty {
                s.inUse += 1
                s.peak = max(s.peak, s.inUse)
                return nil
            }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    s.waiters.append((id, c))
                    return false
                }
                if cancelled { c.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a line; the longest waiter gets it.
    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst().continuation }
            s.inUse = max(0, s.inUse - 1)
            return nil
        }
        next?.resume()
    }

    /// Lines in use now.
    public var inUse: Int { state.withLock { $0.inUse } }
    /// The most lines ever in use at once.
    public var peak: Int { state.withLock { $0.peak } }
    /// Requests waiting for a line.
    public var waiting: Int { state.withLock { $0.waiters.count } }
}
