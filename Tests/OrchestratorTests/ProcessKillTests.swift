import Foundation
import GatewaySimulator
import SnapshotStore
import TestSupport
import Testing

/// The fault matrix's SIGKILL row with real processes: `papertrader run` is a child process talking
/// to a simulator that lives in the test process (so the paper account survives the kills). It is
/// killed mid-cycle, then again with an order working at the account, then restarted: the journal
/// must reconcile with the account, with no order sent twice, no fill lost and no cycle left open.
@Suite(.serialized) struct ProcessKillTests {
    /// A child `run` against the simulator on `port`, logging into `dir`.
    struct Child {
        let process: Process

        init(binary: String, config: String, dir: URL, name: String, speed: Double) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["run", "--config", config, "--clock-speed", "\(speed)"]
            let log = dir.appendingPathComponent("\(name).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func kill(_ signal: Int32) {
            _ = Foundation.kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }
    }

    /// The store as another process sees it (nil until the child has created it).
    static func store(_ path: String) -> SQLiteStore? { try? SQLiteStore(path: path, readOnly: true) }

    /// A `run` configuration in `dir` against the simulator on `port` (store `db`); returns its path.
    static func writeConfig(port: Int, dir: URL, db: String) throws -> String {
        let config = dir.appendingPathComponent("run.yaml").path
        // IWM trades readily under these rules: the first limit is already at the natural price, so a
        // crossing order fills at once; one the simulator holds PreSubmitted waits 10 simulated minutes
        // (10 s here) and is cancelled. That wait is the window in which the tests kill `run` mid-order,
        // wide enough for a loaded machine to notice the order and signal.
        try
            (readilyTradingIWM + """
                gateway:
                  port: \(port)
                  client_id: 5
                storage:
                  path: \(db)
                execution:
                  limit_offset: 0.5
                  reprice_after_seconds: 600
                  max_reprices: 2
                  cancel_unfilled_after_seconds: 900
                risk:
                  trading_window_start: "09:30"
                  trading_window_end: "16:00"
                  no_entry_minutes_before_close: 0
                  max_new_positions_per_day: 10
                  kill_switch_file: \(dir.path)/KILL
                http:
                  enabled: false
                logging:
                  level: info
                """).write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func sigkillMidCycleAndMidOrderThenRestart() async throws {
        let binary = Fixtures.repo(".build/debug/papertrader").path
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "build the executable first: swift build (scripts/test.sh does)")
        let speed = 60.0
        try await SimulatorHarness.with({ $0.clockSpeed = speed }) { sim in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sigkill-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let db = dir.appendingPathComponent("db.sqlite").path
            let port = try await sim.listeningPort()
            let config = try Self.writeConfig(port: port, dir: dir, db: db)
            func launch(_ name: String) throws -> Child {
                try Child(binary: binary, config: config, dir: dir, name: name, speed: speed)
            }

            // 1. Killed mid-cycle: a cycle is running (its symbols are being fetched and written).
            let first = try launch("first")
            let midCycle = await FaultMatrixTests.within(60) {
                (try? Self.store(db)?.cycles(limit: 1).first?.status) == .running
            }
            try await Task.sleep(for: .milliseconds(300))
            first.kill(SIGKILL)
            #expect(midCycle != nil, "no cycle started (see \(dir.path)/first.log)")

            // 2. Killed mid-order: orders stay PreSubmitted, so the child is waiting to re-price one.
            sim.inject(.stickOrdersInPreSubmitted)
            let second = try launch("second")
            let midOrder = await FaultMatrixTests.within(90) { !sim.acceptedOrders.isEmpty }
            try await Task.sleep(for: .milliseconds(200))
            second.kill(SIGKILL)
            try #require(midOrder != nil, "no order reached the account (see \(dir.path)/second.log)")
            let killedRef = try #require(sim.acceptedOrders.first?.orderRef)
            // Stored before it was sent: the restart knows about it.
            #expect(try Self.store(db)?.order(ref: killedRef)?.status == .submitted)
            sim.inject(.clear)

            // 3. Restart: reconcile cancels the orphaned working order, then trading resumes and fills.
            let third = try launch("third")
            let recovered = await FaultMatrixTests.within(120) {
                guard let store = Self.store(db) else { return false }
                let orphan = try? store.order(ref: killedRef)?.status
                let open = (try? store.positions(status: [.open]).count) ?? 0
                return orphan == .cancelled && open > 0
            }
            third.kill(SIGTERM)
            #expect(third.process.terminationStatus == 0, "run did not stop cleanly on SIGTERM")
            try #require(recovered != nil, "no recovery within 120 s (see \(dir.path)/third.log)")

            let store = try #require(Self.store(db))
            // Zero duplicate orders: every orderRef reached the account under exactly one order id.
            let accepted = sim.acceptedOrders
            let byRef = Dictionary(grouping: accepted, by: \.orderRef)
            #expect(byRef.values.allSatisfy { $0.count == 1 }, "an orderRef was sent twice: \(accepted)")
            #expect(byRef.keys.allSatisfy { $0.hasPrefix("pt-") })
            #expect(Set(try store.orders(limit: 1000).map(\.orderRef)).isSuperset(of: byRef.keys))
            // Zero lost fills: every execution at the account is in the journal.
            let executions = Set(sim.executionIDs.map(\.execId))
            #expect(!executions.isEmpty)
            #expect(Set(try store.fills().map(\.execId)) == executions)
            // Every cycle ended with a status; the one killed mid-cycle is `failed` (interrupted).
            let cycles = try store.cycles(limit: 1000)
            #expect(cycles.allSatisfy { $0.status != .running })
            #expect(cycles.last?.status == .failed && cycles.last?.errors.first?.hasPrefix("interrupted") == true)
            #expect(try store.integrityCheck() == "ok")
            // The restart said what it found.
            let reconcile = try store.recentEvents(limit: 100, kind: .reconcile).map(\.message)
            #expect(reconcile.contains { $0.contains(killedRef) })
            FaultMatrixTests.record(
                "SIGKILL of run mid-cycle and mid-order, then restart", detect: nil, recover: recovered,
                "interrupted cycle marked failed; orphaned order cancelled at restart; \(accepted.count) orders, "
                    + "0 sent twice; \(executions.count) executions, all journaled")
        }
    }

    /// SIGTERM just after an order reached the account: the stop lets the order step finish (here:
    /// re-priced, then cancelled, since the account never fills it), the journal says what really
    /// happened (never `rejected`), nothing stays working at the account, and a restart has nothing
    /// to resend or cancel.
    @Test func sigtermJustAfterAnOrderIsSentLetsTheOrderStepFinish() async throws {
        let binary = Fixtures.repo(".build/debug/papertrader").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the executable first")
        let speed = 60.0
        try await SimulatorHarness.with({ $0.clockSpeed = speed }) { sim in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sigterm-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let db = dir.appendingPathComponent("db.sqlite").path
            let config = try Self.writeConfig(port: try await sim.listeningPort(), dir: dir, db: db)
            // Orders stay PreSubmitted: the order step is still under way when the signal comes.
            sim.inject(.stickOrdersInPreSubmitted)
            let run = try Child(binary: binary, config: config, dir: dir, name: "run", speed: speed)
            let sent = await FaultMatrixTests.within(90) { !sim.acceptedOrders.isEmpty }
            try #require(sent != nil, "no order reached the account (see \(dir.path)/run.log)")
            let ref = try #require(sim.acceptedOrders.first?.orderRef)
            let signalled = ContinuousClock.now
            run.kill(SIGTERM)
            let stopped = ContinuousClock.now - signalled
            #expect(run.process.terminationStatus == 0, "run did not stop cleanly (see \(dir.path)/run.log)")
            let store = try #require(Self.store(db))
            let order = try #require(try store.order(ref: ref))
            // The step ran to its end: acknowledged (an IB order id), waited out, cancelled; the
            // trader's stop is journaled after the order's outcome, not before it.
            #expect(order.status == .cancelled && order.ibOrderId != nil, "\(order)")
            let events = try store.recentEvents(limit: 200, kind: nil)
            let outcome = events.firstIndex { $0.kind == .order(.cancelled) && $0.message.hasPrefix(ref) }
            let shutdown = events.firstIndex { $0.kind == .shutdown }
            #expect(outcome != nil && shutdown != nil && shutdown! < outcome!, "\(events.prefix(6).map(\.message))")
            let position = try #require(try store.positions(status: nil).first { $0.openOrderRef == ref })
            #expect(position.status == .unfilled && position.note?.contains("connection closed") != true)
            // Nothing of ours is left working at the account.
            #expect(sim.workingOrderRefs.allSatisfy { !$0.hasPrefix("pt-") }, "\(sim.workingOrderRefs)")
            sim.inject(.clear)
            // A restart finds nothing in flight: the order is neither resent nor cancelled again.
            let again = try Child(binary: binary, config: config, dir: dir, name: "again", speed: speed)
            let reconciled = await FaultMatrixTests.within(60) {
                ((try? Self.store(db)?.recentEvents(limit: 50, kind: .reconcile)) ?? [])
                    .contains { $0.message.hasPrefix("checked 0 in-flight orders") }
            }
            again.kill(SIGTERM)
            #expect(reconciled != nil, "no reconcile summary (see \(dir.path)/again.log)")
            #expect(sim.acceptedOrders.filter { $0.orderRef == ref }.count == 1, "the order was sent twice")
            FaultMatrixTests.record(
                "SIGTERM of run just after an order is sent", detect: nil, recover: FaultMatrixTests.seconds(stopped),
                "the order step finished (acknowledged, waited out, cancelled, IB order id kept); journal cancelled, "
                    + "never rejected; nothing left working; restart found nothing in flight")
        }
    }
}
