import Synchronization

/// Per-provider circuit breaker: closed -> open after `failureThreshold` consecutive failures ->
/// half-open once `resetTimeout` has passed -> one trial call -> closed on success, open on failure.
/// Generic over the clock so tests drive time by hand.
public final class CircuitBreaker<C: Clock>: Sendable where C.Duration == Duration, C: Sendable {
    /// The breaker's state, as health and metrics report it.
    public enum State: String, Sendable, Equatable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// A state change, for logs and metrics.
    public struct Transition: Sendable, Equatable {
        public let from: State
        public let to: State
        public let reason: String
    }

    public let name: String
    public let failureThreshold: Int
    public let resetTimeout: Duration
    private let clock: C
    private let state: Mutex<Inner>

    struct Inner {
        var state: State = .closed
        var consecutiveFailures = 0
        var openedAt: C.Instant?
        var trialInFlight = false
        var lastError: String?
        var transitions: [Transition] = []
    }

    /// A closed breaker.
    public init(name: String, failureThreshold: Int = 5, resetTimeout: Duration = .seconds(60), clock: C) {
        self.name = name
        self.failureThreshold = max(1, failureThreshold)
        self.resetTimeout = resetTimeout
        self.clock = clock
        self.state = Mutex(Inner())
    }

    /// The current state (an open breaker whose timeout has passed reports half-open).
    public var currentState: State {
        state.withLock { inner in
            if inner.state == .open, let opened = inner.openedAt, clock.now >= opened.advanced(by: resetTimeout) {
                return .halfOpen
            }
            return inner.state
        }
    }

    /// The last failure's description, if any.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Consecutive failures counted so far.
    public var consecutiveFailures: Int { state.withLock { $0.consecutiveFailures } }

    /// Whether a call may go through now. In half-open state exactly one trial is admitted.
    public func allowRequest() -> Bool {
        state.withLock { inner in
            switch inner.state {
            case .closed:
                return true
            case .open:
                guard let opened = inner.openedAt, clock.now >= opened.advanced(by: resetTimeout) else { return false }
                transition(&inner, to: .halfOpen, reason: "reset timeout elapsed")
                inner.trialInFlight = true
                return true
            case .halfOpen:
                if inner.trialInFlight { return false }
                inner.trialInFlight = true
                return true
            }
        }
    }

    /// Records a successful call: closes the breaker.
    public func recordSuccess() {
        state.withLock { inner in
            inner.consecutiveFailures = 0
            inner.trialInFlight = false
            if inner.state != .closed { transition(&inner, to: .closed, reason: "call succeeded") }
        }
    }

    /// Records a failed call: opens the breaker at the threshold, or again after a failed trial.
    public func recordFailure(_ description: String) {
        state.withLock { inner in
            inner.consecutiveFailures += 1
            inner.lastError = description
            inner.trialInFlight = false
            switch inner.state {
            case .halfOpen:
                inner.openedAt = clock.now
                transition(&inner, to: .open, reason: "trial call failed: \(description)")
            case .closed where inner.consecutiveFailures >= failureThreshold:
                inner.openedAt = clock.now
                transition(
                    &inner, to: .open, reason: "\(inner.consecutiveFailures) consecutive failures: \(description)")
            default:
                break
            }
        }
    }

    /// Opens the breaker at once (e.g. an invalid API key: retrying cannot help).
    public func trip(_ description: String) {
        state.withLock { inner in
            inner.lastError = description
            inner.openedAt = clock.now
            inner.trialInFlight = false
            if inner.state != .open { transition(&inner, to: .open, reason: description) }
        }
    }

    /// Transitions so far, oldest first (drained by the caller that logs them).
    public func drainTransitions() -> [Transition] {
        state.withLock { inner in
            defer { inner.transitions = [] }
            return inner.transitions
        }
    }

    private func transition(_ inner: inout Inner, to new: State, reason: String) {
        inner.transitions.append(Transition(from: inner.state, to: new, reason: reason))
        inner.state = new
    }
}
