import Foundation
import Hummingbird
import Orchestrator
import Testing

/// The endpoint cannot be starved by idle or slow clients: connections are capped and every request
/// has a deadline. (`scripts/reliability/http-flood.sh` does the same to `run` under a 1,024
/// descriptor limit with 2,000 sockets.)
@Suite struct HTTPServerLimitsTests {
    /// A blocking TCP client socket to 127.0.0.1:`port`; reads give up after `timeout` seconds so a test
    /// can never hang, and run on their own thread so they never block the server's handler tasks.
    final class Client: @unchecked Sendable {
        let fd: Int32

        // Generous: a loaded CI machine running every suite at once must not turn slowness into failure.
        init(port: Int, timeout: Int = 30) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var tv = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        deinit { close(fd) }

        func send(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { Foundation.send(fd, $0.baseAddress, $0.count - 1, 0) }
        }

        /// Reads until the server closes (returns what came), or nil if the read timed out first.
        func readUntilClosed() async -> String? {
            await offThePool { self.blockingReadUntilClosed() }
        }

        /// Reads once: the bytes that came, or none on a timeout or close.
        func readSome() async -> Int {
            await offThePool {
                var buffer = [UInt8](repeating: 0, count: 4096)
                return recv(self.fd, &buffer, buffer.count, 0)
            }
        }

        func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: body()) }.start()
            }
        }

        func blockingReadUntilClosed() -> String? {
            var out = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return String(decoding: out, as: UTF8.self) }
                if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? nil : String(decoding: out, as: UTF8.self) }
                out += buffer[0..<n]
            }
        }
    }

    /// Serves `/health` with `endpoint`'s limits on 127.0.0.1 for the duration of `body`.
    func serve(_ endpoint: HTTPEndpoint, _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/health") { _, _ in HTTPReply(status: 200, body: #"{"status":"ok"}"#) }
        try await serving(
            { running in
                endpoint.application(router: router, host: "127.0.0.1", port: 0, logger: quiet) { await running($0) }
            },
            body)
    }

    @Test func slowAndIdleClientsAreClosedAtTheDeadline() async throws {
        let server = HTTPEndpoint(limits: HTTPServerLimits(maxConnections: 8, requestTimeout: .milliseconds(300)))
        try await serve(server) { port in
            let slow = try Client(port: port)
            slow.send("GET /health HTTP/1.1\r\nHost: x\r\n")  // headers never finished
            let idle = try Client(port: port)
            let started = ContinuousClock.now
            #expect(await slow.readUntilClosed() == "", "a slow client was answered or left open")
            #expect(await idle.readUntilClosed() == "", "an idle client was left open")
            let waited = ContinuousClock.now - started
            // At the deadline, not before; the upper bound only says "closed, not left open" (a read that
            // never saw the close returns nil above), since a CI machine running every suite at once can
            // delay the deadline's timer by seconds.
            #expect(waited >= .milliseconds(250) && waited < .seconds(60), "closed after \(waited)")
            // A keep-alive client is answered, then closed when it stays idle.
            let keepAlive = try Client(port: port)
            keepAlive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = await keepAlive.readUntilClosed() ?? "timed out"
            #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains(#"{"status":"ok"}"#), "\(answer)")
            #expect(server.connectionStats.timedOut >= 3)
        }
    }

    @Test func connectionsOverTheCapAreClosedAtOnceAndServiceResumes() async throws {
        // The deadline is not under test here: long enough that a loaded machine answering the held
        // clients one by one never closes one of them before its turn.
        let server = HTTPEndpoint(limits: HTTPServerLimits(maxConnections: 4, requestTimeout: .seconds(300)))
        try await serve(server) { port in
            let held = try (0..<4).map { _ in try Client(port: port, timeout: 120) }
            // Each held connection is admitted before the next: the server answers one request on it.
            for client in held {
                client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await client.readSome() > 0)
            }
            #expect(server.connectionStats.open == 4)
            let extra = try (0..<20).map { _ in try Client(port: port) }
            for client in extra {
                #expect(await client.readUntilClosed() == "", "a connection over the cap stayed open")
            }
            #expect(server.connectionStats.refused == 20 && server.connectionStats.open == 4)
            for client in held { shutdown(client.fd, Int32(SHUT_RDWR)) }
            // Once they are gone, a new client is served.
            var answered = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !answered && ContinuousClock.now < deadline {
                let client = try Client(port: port)
                client.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answered = await client.readUntilClosed()?.hasPrefix("HTTP/1.1 200") == true
            }
            #expect(answered)
        }
    }
}
