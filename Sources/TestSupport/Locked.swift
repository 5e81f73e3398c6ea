import Synchronization

/// A value shared between a test's tasks behind a lock.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    /// A box holding `value`.
    public init(_ value: Value) { mutex = Mutex(value) }
    /// Runs `body` with the value, under the lock.
    public func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
