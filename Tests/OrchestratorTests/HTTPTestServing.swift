import Foundation
import ServiceLifecycle
import Testing

/// Runs the HTTP service `make` builds (handing it a callback for its bound port) in its own
/// ServiceGroup, gives `body` the port once the server is listening, then shuts it down gracefully.
func serving<R: Sendable, S: Service>(
    _ make: (@escaping @Sendable (Int) async -> Void) -> S, _ body: @Sendable (Int) async throws -> R
) async throws -> R {
    let (ports, sink) = AsyncStream.makeStream(of: Int.self)
    let service = make { port in sink.yield(port) }
    let group = ServiceGroup(services: [service], logger: quiet)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            // A server that fails to start ends the stream, so the wait below cannot hang.
            defer { sink.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw ServingError.notStarted
        }
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
    }
}

enum ServingError: Error {
    case notStarted
}
