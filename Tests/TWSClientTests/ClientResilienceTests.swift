import Foundation
import GatewaySimulator
import Logging
import NIOCore
import NIOPosix
import TWSWire
import TestSupport
import Testing

@testable import TWSClient

/// Collects a client's events for assertions.
final class EventLog: Sendable {
    let events = Locked([TWSClientEvent]())

    func watch(_ client: TWSClient) -> Task<Void, Never> {
        Task { for await e in client.events { events.withLock { $0.append(e) } } }
    }

    func wait(timeout: Duration = .seconds(60), _ predicate: @Sendable ([TWSClientEvent]) -> Bool) async
        -> [TWSClientEvent]
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let snapshot = events.withLock { $0 }
            if predicate(snapshot) { return snapshot }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return events.withLock { $0 }
    }
}

func count(_ events: [TWSClientEvent], _ match: (TWSClientEvent) -> Bool) -> Int { events.filter(match).count }

func isConnected(_ e: TWSClientEvent) -> Bool { if case .connected = e { true } else { false } }

/// True once a connect followed a disconnect.
func reconnected(_ events: [TWSClientEvent]) -> Bool {
    guard let lost = events.firstIndex(where: { if case .disconnected = $0 { true } else { false } }) else {
        return false
    }
    return events[lost...].contains(where: isConnected)
}

@Suite(.serialized) struct ClientResilienceTests {
    @Test func reconnectsAfterADroppedConnection() async throws {
        try await withClient { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            sim.inject(.dropConnection)
            let events = await log.wait { reconnected($0) }
            #expect(events.contains { if case .reconnecting = $0 { true } else { false } })
            #expect(reconnected(events))
            // Requests work again on the new connection.
            let details = try await client.contractDetails(spyStock())
            #expect(details.count == 1)
        }
    }

    @Test func reconnectsAfterASimulatorRestart() async throws {
        try await withClient { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            sim.inject(.restart(downSeconds: 1))
            let events = await log.wait(timeout: .seconds(60)) { reconnected($0) }
            #expect(reconnected(events))
            let time = try await client.currentTime()
            #expect(time > Date(timeIntervalSince1970: 0))
        }
    }

    @Test func subscriptionsAreRestoredAfter1101() async throws {
        try await withClient(simulator: { $0.clockSpeed = 60 }) { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            let stream = try await client.marketDataStream(spyStock())
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()
            sim.inject(.connectivityLost(dataLost: true, seconds: 0.2))
            let events = await log.wait {
                $0.contains(.connectivityRestored(dataLost: true)) && $0.contains(.subscriptionsRestored(count: 1))
            }
            #expect(events.contains(.connectivityLost))
            #expect(events.contains(.subscriptionsRestored(count: 1)))
            // Ticks flow again on the re-sent subscription.
            var ticksAfter = 0
            while ticksAfter < 3, let update = try await iterator.next() {
                if case .tick = update { ticksAfter += 1 }
            }
            #expect(ticksAfter == 3)
            #expect(!client.status.connectivityLost)
        }
    }

    @Test func dataMaintainedAfter1102NeedsNoResubscribe() async throws {
        try await withClient { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            sim.inject(.connectivityLost(dataLost: false, seconds: 0.1))
            let events = await log.wait { $0.contains(.connectivityRestored(dataLost: false)) }
            #expect(events.contains(.connectivityLost))
            #expect(!events.contains { if case .subscriptionsRestored = $0 { true } else { false } })
        }
    }

    @Test func competingSessionIsReported() async throws {
        try await withClient { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            sim.inject(.competingSession(seconds: 5))
            let events = await log.wait { $0.contains(.competingSession) }
            #expect(events.contains(.competingSession))
            #expect(client.status.competingSession)
            await #expect(throws: TWSClientError.self) { _ = try await client.snapshot(spyStock()) }
        }
    }

    @Test func farmStatusIsKept() async throws {
        try await withClient { client, sim in
            let log = EventLog()
            let watcher = log.watch(client)
            defer { watcher.cancel() }
            // The farm notices follow the handshake; the event stream keeps them.
            _ = await log.wait { $0.contains(.farm(name: "usfarm", ok: true, code: 2104)) }
            #expect(client.status.farms["usfarm"] == true)
            sim.inject(.farmOutage(code: 2103, seconds: 30))
            _ = await log.wait { $0.contains(.farm(name: "usfarm", ok: false, code: 2103)) }
            #expect(client.status.farms["usfarm"] == false)
        }
    }

    @Test func floodingNeverTripsTheGatewaysLimits() async throws {
        try await withClient(simulator: { $0.maxMarketDataLines = 5 }, client: { $0.maxMarketDataLines = 5 }) {
            client, sim in
            // 150 requests at once: pacing keeps us under 50/s, the line budget under 5 lines.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<150 {
                    group.addTask {
                        if i % 3 == 0 {
                            _ = try await client.snapshot(
                                spyOption(590 + Double(i % 20), i % 2 == 0 ? "C" : "P"), expected: [.bid])
                        } else {
                            _ = try await client.currentTime()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let codes = sim.errorCodesSent
            #expect(!codes.contains(100) && !codes.contains(101) && !codes.contains(162))
            #expect(sim.peakMessageRate <= 50, "peak \(sim.peakMessageRate) messages in one second")
            #expect(client.peakLines <= 5)
            #expect(client.pacingWaits > 0)
        }
    }

    @Test func historicalRequestsArePacedNotRefused() async throws {
        try await withClient { client, sim in
            async let a = client.historicalBars(spyStock(), duration: "30 D")
            async let b = client.historicalBars(
                TWSContract(symbol: "QQQ", secType: "STK", exchange: "SMART", currency: "USD"), duration: "30 D")
            let (first, second) = try await (a, b)
            #expect(first.count == 30 && second.count == 30)
            #expect(!sim.errorCodesSent.contains(162))
        }
    }

    @Test func refusedConnectionIsAClearError() async throws {
        // Bind and close to get a port nothing listens on.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(
            host: "127.0.0.1", port: 0
        ).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        var config = TWSClientConfiguration()
        config.port = port
        let client = TWSClient(configuration: config)
        do {
            try await client.connectOnce()
            Issue.record("connected to a closed port")
        } catch let error as TWSClientError {
            #expect(error.code == .connectionRefused && error.isRetryable)
            #expect(error.message.contains("\(port)"))
        }
    }

    @Test func waitingForAGatewayThatNeverComesTimesOut() async throws {
        var config = TWSClientConfiguration()
        config.port = 1
        config.reconnectInitialBackoff = .milliseconds(50)
        let client = TWSClient(
            configuration: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.run() }
            do {
                _ = try await client.waitUntilReady(timeout: .milliseconds(300))
                Issue.record("ready without a gateway")
            } catch let error as TWSClientError {
                #expect(error.code == .requestTimeout && error.isRetryable)
            } catch {
                Issue.record("unexpected \(error)")
            }
            group.cancelAll()
        }
    }

    @Test func handshakeTimeoutAgainstASilentServer() async throws {
        // A TCP server that never speaks TWS: the edge of the world, faked as simply as possible.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(
            host: "127.0.0.1", port: 0
        ).get()
        defer { silent.close(promise: nil) }
        var config = TWSClientConfiguration()
        config.port = silent.localAddress?.port ?? 1
        config.handshakeTimeout = .milliseconds(300)
        let client = TWSClient(configuration: config)
        do {
            try await client.connectOnce()
            Issue.record("handshake with a silent server succeeded")
        } catch let error as TWSClientError {
            #expect(error.code == .handshakeTimeout)
        }
    }

    @Test func clientIdInUseEndsRun() async throws {
        try await withClient { _, sim in
            var config = TWSClientConfiguration()
            config.port = sim.port
            config.clientId = 21
            let second = TWSClient(configuration: config)
            do {
                try await second.run()
                Issue.record("a second client with the same id connected")
            } catch let error as TWSClientError {
                #expect(error.code == .clientIdInUse && error.message.contains("21"))
            }
        }
    }

    @Test func aRefusalEndsEveryWaitAtOnceNotAtTheTimeout() async throws {
        try await withClient { _, sim in
            var config = TWSClientConfiguration()
            config.port = sim.port
            config.clientId = 21
            config.requestTimeout = .seconds(60)
            let second = TWSClient(
                configuration: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await second.run()
                        Issue.record("run ended without the refusal")
                    } catch let error as TWSClientError {
                        #expect(error.code == .clientIdInUse && error.isConnectionFatal && !error.isRetryable)
                    }
                }
                do {
                    _ = try await second.waitUntilReady(timeout: .seconds(60))
                    Issue.record("a second client with the same id became ready")
                } catch let error as TWSClientError {
                    #expect(error.code == .clientIdInUse)
                    #expect(error.message.contains("client id 21 is already in use by another program"))
                }
                try await group.waitForAll()
            }
            // After run ended: every call fails with the refusal at once, not after its timeout.
            do {
                _ = try await second.currentTime()
                Issue.record("a refused client answered")
            } catch let error as TWSClientError {
                #expect(error.code == .clientIdInUse)
            }
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(second.refusal?.code == .clientIdInUse)
            #expect(second.lastError?.contains("already in use by another program") == true)
        }
    }

    @Test func aServerTooOldEndsRunWithoutRetrying() async throws {
        // A server that answers every hello with version 100, below what any client of ours speaks.
        let old = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(OldServer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { old.close(promise: nil) }
        var config = TWSClientConfiguration()
        config.port = old.localAddress?.port ?? 1
        config.reconnectInitialBackoff = .milliseconds(10)
        let client = TWSClient(
            configuration: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await client.run()
            Issue.record("run ended without the refusal")
        } catch let error as TWSClientError {
            #expect(error.code == .serverVersionUnsupported && error.isConnectionFatal)
            #expect(error.message.contains("too old"), "\(error.message)")
        }
        // run() has ended, so its buffered event stream is finished: this loop ends.
        var events: [TWSClientEvent] = []
        for await event in client.events { events.append(event) }
        #expect(!events.contains { if case .reconnecting = $0 { true } else { false } })
        await #expect(throws: TWSClientError.self) { _ = try await client.waitUntilReady(timeout: .seconds(60)) }
    }

    @Test func serverVersionTooOldIsRefused() async throws {
        try await SimulatorHarness.with({ $0.maxVersion = 157 }) { sim in
            var config = TWSClientConfiguration()
            config.port = sim.port
            config.maxServerVersion = 178
            var machine = TWSConnectionStateMachine(maxServerVersion: 178)
            _ = machine.connected()
            #expect(
                machine.serverHelloReceived(TWSServerHello(serverVersion: 150, connectionTime: "x"))
                    == .fail(
                        code: .serverVersionUnsupported,
                        message:
                            "the gateway negotiated version 150; this client speaks 157...178. Upgrade IB Gateway/TWS if it is older."
                    ))
            // 157 itself is still spoken.
            let client = TWSClient(configuration: config)
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try? await client.run() }
                let info = try? await client.waitUntilReady(timeout: .seconds(60))
                #expect(info?.serverVersion == 157)
                group.cancelAll()
            }
        }
    }

    @Test func wireCaptureDecodesBack() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "capture-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try await withClient(client: { $0.captureFile = path }) { client, _ in
            _ = try await client.contractDetails(spyStock())
            _ = try await client.currentTime()
        }
        var server = ByteBuffer(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".server"))))
        var client = ByteBuffer(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".client"))))
        var serverDecoder = TWSStreamDecoder(side: .server)
        var serverLines: [TWSJSONValue] = []
        try serverDecoder.decodeAll(&server) { serverLines.append($0) }
        var clientDecoder = TWSStreamDecoder(side: .client, serverVersion: 178)
        var clientLines: [TWSJSONValue] = []
        try clientDecoder.decodeAll(&client) { clientLines.append($0) }
        #expect(serverLines.first?["message"] == .string("serverHello"))
        #expect(serverLines.contains { $0["message"] == .string("contractDetails") })
        #expect(clientLines.map { $0["message"] }.prefix(2) == [.string("hello"), .string("startApi")])
        #expect(clientLines.contains { $0["message"] == .string("reqContractDetails") })
    }
}

@Suite struct ConnectionStateMachineTests {
    @Test func handshakeTranscript() {
        var m = TWSConnectionStateMachine(maxServerVersion: 178)
        #expect(m.connected() == .sendHello(TWSClientHello(minVersion: 157, maxVersion: 178)))
        #expect(
            m.serverHelloReceived(TWSServerHello(serverVersion: 176, connectionTime: "t"))
                == .sendStartAPI(serverVersion: 176))
        #expect(m.messageReceived(.nextValidId(TWSNextValidId(orderId: 5)), clientId: 1) == .none)
        let ready = m.messageReceived(.managedAccounts(TWSManagedAccounts(accounts: ["DU1", "DU2"])), clientId: 1)
        #expect(
            ready
                == .ready(
                    TWSConnectionInfo(
                        serverVersion: 176, connectionTime: "t", accounts: ["DU1", "DU2"], nextOrderId: 5)))
        #expect(m.closed() == .fail(code: .disconnected, message: "the gateway closed the connection"))
    }

    @Test func refusalAndTimeout() {
        var m = TWSConnectionStateMachine(maxServerVersion: 178)
        _ = m.connected()
        _ = m.serverHelloReceived(TWSServerHello(serverVersion: 178, connectionTime: "t"))
        guard
            case .fail(.clientIdInUse, _) = m.messageReceived(
                .error(TWSErrorMessage(reqId: -1, errorCode: 326, errorString: "in use")), clientId: 3)
        else {
            Issue.record("326 did not fail the handshake")
            return
        }
        #expect(
            m.messageReceived(.error(TWSErrorMessage(reqId: -1, errorCode: 326, errorString: "in use")), clientId: 3)
                == .none, "closed after the refusal")
        var fresh = TWSConnectionStateMachine(maxServerVersion: 178)
        _ = fresh.connected()
        _ = fresh.serverHelloReceived(TWSServerHello(serverVersion: 178, connectionTime: "t"))
        #expect(
            fresh.messageReceived(
                .error(TWSErrorMessage(reqId: -1, errorCode: 326, errorString: "in use")), clientId: 3)
                == .fail(
                    code: .clientIdInUse,
                    message: "client id 3 is already in use by another program: set gateway.client_id to an unused id"))
        var old = TWSConnectionStateMachine(maxServerVersion: 178)
        _ = old.connected()
        _ = old.serverHelloReceived(TWSServerHello(serverVersion: 178, connectionTime: "t"))
        guard
            case .fail(.serverVersionUnsupported, let why) = old.messageReceived(
                .error(TWSErrorMessage(reqId: -1, errorCode: 503, errorString: "upgrade")), clientId: 3)
        else {
            Issue.record("503 did not fail the handshake")
            return
        }
        #expect(why.contains("upgrade IB Gateway or TWS"))
        // An advisory during the handshake is only data.
        var notice = TWSConnectionStateMachine(maxServerVersion: 178)
        _ = notice.connected()
        _ = notice.serverHelloReceived(TWSServerHello(serverVersion: 178, connectionTime: "t"))
        #expect(
            notice.messageReceived(.error(TWSErrorMessage(reqId: -1, errorCode: 2104, errorString: "ok")), clientId: 3)
                == .none)
        var n = TWSConnectionStateMachine(maxServerVersion: 178)
        _ = n.connected()
        guard case .fail(.handshakeTimeout, _) = n.handshakeTimedOut() else {
            Issue.record("no timeout")
            return
        }
        #expect(n.handshakeTimedOut() == .none)
    }

    @Test func paperAccounts() {
        #expect(
            TWSConnectionInfo(serverVersion: 178, connectionTime: "", accounts: ["DU1", "DF2"], nextOrderId: 1)
                .allAccountsArePaper)
        #expect(
            !TWSConnectionInfo(serverVersion: 178, connectionTime: "", accounts: ["DU1", "U2"], nextOrderId: 1)
                .allAccountsArePaper)
        #expect(
            !TWSConnectionInfo(serverVersion: 178, connectionTime: "", accounts: [], nextOrderId: 1).allAccountsArePaper
        )
    }

    @Test func backoffGrowsAndIsBounded() {
        var config = TWSClientConfiguration()
        config.reconnectInitialBackoff = .seconds(1)
        config.reconnectMaxBackoff = .seconds(60)
        let client = TWSClient(configuration: config)
        let delays = (1...10).map { client.backoff(attempt: $0).seconds }
        #expect(delays[0] >= 0.8 && delays[0] <= 1.0)
        #expect(delays[3] >= 6.4 && delays[3] <= 8.0)
        #expect(delays.allSatisfy { $0 <= 60 })
        #expect(delays[9] >= 48)
    }
}

@Suite struct PacingTests {
    @Test func tokenBucketNeverExceedsItsRate() async throws {
        let bucket = TokenBucket(rate: 45, burst: 4, clock: ContinuousClock())
        let start = ContinuousClock.now
        for _ in 0..<49 { try await bucket.acquire() }
        // 4 immediately, then 45 more at 45/s: about a second, never less.
        #expect(ContinuousClock.now - start >= .milliseconds(950))
        #expect(bucket.waits > 0)
    }

    @Test func historicalPacerRules() {
        let pacer = HistoricalPacer(clock: ContinuousClock())
        #expect(pacer.reserve(key: "a", contract: "SPY") == nil)
        #expect(pacer.reserve(key: "a", contract: "SPY") != nil)  // identical within 15 s
        for i in 0..<4 { #expect(pacer.reserve(key: "b\(i)", contract: "SPY") == nil) }
        #expect(pacer.reserve(key: "c", contract: "SPY") != nil)  // sixth for one contract within 2 s
        #expect(pacer.reserve(key: "d", contract: "QQQ") == nil)
    }

    @Test func lineManagerIsFair() async throws {
        let lines = MarketDataLines(capacity: 2)
        try await lines.acquire()
        try await lines.acquire()
        let order = Locked([Int]())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                group.addTask {
                    try await lines.acquire()
                    order.withLock { $0.append(i) }
                }
                while lines.waiting < i + 1 { try await Task.sleep(for: .milliseconds(1)) }
            }
            for _ in 0..<3 { lines.release() }
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 } == [0, 1, 2])
        #expect(lines.peak == 2)
    }
}

/// Answers every read with a server hello of version 100: a gateway far too old to speak to.
final class OldServer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let hello = TWSServerHello(serverVersion: 100, connectionTime: "20260304 10:30:00 EST").encode()
        context.writeAndFlush(wrapOutboundOut(hello), promise: nil)
    }
}
