import Synchronization
import Testing

@testable import MarketData

/// A clock tests move by hand.
final class TestClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }
    func advance(by d: Duration) { current.withLock { $0 = $0.advanced(by: d) } }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresThenHalfOpensThenCloses() {
        let clock = TestClock()
        let breaker = CircuitBreaker(name: "ib", failureThreshold: 5, resetTimeout: .seconds(60), clock: clock)
        for i in 1...4 {
            #expect(breaker.allowRequest())
            breaker.recordFailure("timeout \(i)")
            #expect(breaker.currentState == .closed)
        }
        breaker.recordFailure("timeout 5")
        #expect(breaker.currentState == .open)
        #expect(!breaker.allowRequest())
        clock.advance(by: .seconds(59))
        #expect(!breaker.allowRequest())
        clock.advance(by: .seconds(1))
        #expect(breaker.currentState == .halfOpen)
        #expect(breaker.allowRequest())  // the one trial
        #expect(!breaker.allowRequest())  // no second trial while it runs
        breaker.recordSuccess()
        #expect(breaker.currentState == .closed)
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.drainTransitions().map(\.to) == [.open, .halfOpen, .closed])
    }

    @Test func failedTrialReopensForAnotherTimeout() {
        let clock = TestClock()
        let breaker = CircuitBreaker(name: "polygon", failureThreshold: 2, resetTimeout: .seconds(10), clock: clock)
        breaker.recordFailure("a")
        breaker.recordFailure("b")
        clock.advance(by: .seconds(10))
        #expect(breaker.allowRequest())
        breaker.recordFailure("still down")
        #expect(breaker.currentState == .open)
        #expect(breaker.lastError == "still down")
        clock.advance(by: .seconds(9))
        #expect(!breaker.allowRequest())
        clock.advance(by: .seconds(1))
        #expect(breaker.allowRequest())
    }

    @Test func successResetsTheCount() {
        let breaker = CircuitBreaker(name: "ib", failureThreshold: 3, clock: TestClock())
        breaker.recordFailure("x")
        breaker.recordFailure("x")
        breaker.recordSuccess()
        breaker.recordFailure("x")
        breaker.recordFailure("x")
        #expect(breaker.currentState == .closed)
    }

    @Test func tripOpensImmediately() {
        let breaker = CircuitBreaker(name: "polygon", clock: TestClock())
        breaker.trip("401 unauthorized: check POLYGON_API_KEY")
        #expect(!breaker.allowRequest())
        #expect(breaker.lastError == "401 unauthorized: check POLYGON_API_KEY")
    }
}
