import Foundation
import NIOCore
import SnapshotStore
import TWSWire
import TestSupport
import Testing

/// The command line as a user meets it: a real `papertrader` process, its output and exit code.
@Suite struct CLITests {
    init() throws {
        try #require(CLIProcess.isBuilt, "build the executable first: swift build (scripts/test.sh does)")
    }

    // MARK: kill-switch

    @Test func killSwitchNeverOverwritesOrDeletesWhatItDidNotCreate() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-kill")
        let db = dir + "/db.sqlite"
        let original = Data((0..<876_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try original.write(to: URL(fileURLWithPath: db))
        try FileManager.default.createDirectory(atPath: dir + "/holder", withIntermediateDirectories: true)
        try original.write(to: URL(fileURLWithPath: dir + "/holder/other.sqlite"))
        for target in [db, db + "-wal", dir + "/holder"] {
            if target.hasSuffix("-wal") { try original.write(to: URL(fileURLWithPath: target)) }
            try "storage:\n  path: \(db)\nrisk:\n  kill_switch_file: \(target)\n".write(
                toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            for state in ["on", "off"] {
                let r = try CLIProcess.run(["kill-switch", state, "--config", dir + "/c.yaml"], in: dir)
                #expect(r.status != 0, "kill-switch \(state) on \(target) succeeded: \(r.stdout)")
                #expect(r.stderr.contains("risk.kill_switch_file"), "\(r.stderr)")
            }
            let check = try CLIProcess.run(["config", "check", "--config", dir + "/c.yaml"], in: dir)
            #expect(check.status == 2 && check.stderr.contains("c.yaml:4: risk.kill_switch_file: "), "\(check.stderr)")
        }
        #expect(FileManager.default.contents(atPath: db) == original)
        #expect(FileManager.default.contents(atPath: dir + "/holder/other.sqlite") == original)
        // A proper path: on makes a small marker, off removes it.
        try "storage:\n  path: \(db)\nrisk:\n  kill_switch_file: \(dir)/KILL\n".write(
            toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let on = try CLIProcess.run(["kill-switch", "on", "--config", dir + "/c.yaml"], in: dir)
        #expect(on.status == 0 && on.stdout.contains("kill switch ON"), "\(on.stderr)")
        let marker = FileManager.default.contents(atPath: dir + "/KILL") ?? Data()
        #expect(marker.count < 200 && String(decoding: marker, as: UTF8.self).hasPrefix("papertrader kill switch v1\n"))
        let off = try CLIProcess.run(["kill-switch", "off", "--config", dir + "/c.yaml"], in: dir)
        #expect(off.status == 0 && off.stdout.contains("kill switch off"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/KILL"))
        #expect(FileManager.default.contents(atPath: db) == original)
    }

    // MARK: a damaged store

    /// 16 KB of seeded noise into the middle of `path`.
    static func damage(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        var state: UInt64 = 22
        let noise = (0..<16 * 1024).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        try handle.write(contentsOf: Data(noise))
        try handle.close()
    }

    @Test func collectOnceRefusesADamagedStoreAndHealthSaysWhatToDo() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-damaged")
        let config = dir + "/c.yaml"
        try """
        collection:
          symbols: [IWM]
          dte_min: 30
          dte_max: 60
          max_expiries: 1
          strike_range_pct: 0.05
          open_interest: off
        storage:
          path: \(dir)/db.sqlite
        http:
          enabled: false
        gateway:
          connect_timeout_seconds: 1
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let first = try CLIProcess.run(["collect-once", "--simulator", "--config", config, "--json"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try #require(FileManager.default.contents(atPath: dir + "/db.sqlite"))
        #expect(before.count > 64 * 1024)
        try Self.damage(dir + "/db.sqlite")
        let damaged = try #require(FileManager.default.contents(atPath: dir + "/db.sqlite"))
        let second = try CLIProcess.run(["collect-once", "--simulator", "--config", config], in: dir)
        #expect(second.status == 3, "exit \(second.status): \(second.stdout) \(second.stderr)")
        #expect(
            second.stderr.contains("is damaged") && second.stderr.contains("store recover --to"), "\(second.stderr)")
        #expect(!second.stdout.contains("ok"))
        #expect(FileManager.default.contents(atPath: dir + "/db.sqlite") == damaged, "the damaged file was written to")
        // health --deep: the store is down, with the same advice (not "run collect-once to create it").
        let health = try CLIProcess.run(["health", "--deep", "--json", "--config", config], in: dir)
        #expect(health.status == 2)
        #expect(health.stdout.contains("is damaged") && health.stdout.contains("store recover"), "\(health.stdout)")
        #expect(!health.stdout.contains("to create the database"))
        // store recover copies what it can; the new file takes a cycle again.
        let recover = try CLIProcess.run(
            ["store", "recover", "--config", config, "--to", dir + "/new.sqlite"], in: dir)
        #expect(recover.status == 1 || recover.status == 0, "\(recover.stderr)")
        #expect(recover.stdout.contains("option_snapshots"), "\(recover.stdout)")
        let again = try CLIProcess.run(
            ["collect-once", "--simulator", "--config", config], in: dir,
            environment: ProcessInfo.processInfo.environment.merging(
                ["PAPERTRADER_STORAGE_PATH": dir + "/new.sqlite"], uniquingKeysWith: { $1 }))
        #expect(again.status == 0, "\(again.stderr)")
    }

    // MARK: gateway-sim

    @Test func gatewaySimRefusesAnImpossiblePortAndSaysWhenOneIsTaken() throws {
        let impossible = try CLIProcess.run(["gateway-sim", "--port", "99999"], timeout: .seconds(20))
        #expect(impossible.status == 64, "exit \(impossible.status): \(impossible.stderr)")
        #expect(impossible.stderr.contains("--port must be between 1 and 65535"), "\(impossible.stderr)")
        // A first simulator holds a port (in its own process), then a second asks for the same one.
        let first = try CLIProcess.start(["gateway-sim", "--port", "0"])
        defer {
            first.process.terminate()
            first.process.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(30)  // an external process: bounded wait for its banner
        while !first.stdoutSoFar.contains("listening on") && first.process.isRunning && ContinuousClock.now < deadline {
            usleep(20_000)
        }
        let banner = first.stdoutSoFar
        let port = try #require(
            banner.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") }.flatMap { Int($0.dropFirst(10)) },
            "no port in: \(banner)")
        let taken = try CLIProcess.run(["gateway-sim", "--port", "\(port)"], timeout: .seconds(20))
        #expect(taken.status == 3, "exit \(taken.status): \(taken.stderr)")
        #expect(taken.stderr.contains("port \(port) is already in use"), "\(taken.stderr)")
        #expect(!taken.stderr.contains("CancellationError"))
    }

    // MARK: exit codes and signals

    @Test func fatalStartUpErrorsExit3NotPartial() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-exit")
        try "collection:\n  interval_seconds: 30\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let collect = try CLIProcess.run(["collect-once", "--config", dir + "/bad.yaml"], in: dir)
        #expect(collect.status == 3 && collect.stderr.contains("collection.interval_seconds"), "\(collect.status)")
        let check = try CLIProcess.run(["config", "check", "--config", dir + "/bad.yaml"], in: dir)
        #expect(check.status == 2, "config check keeps its documented 2 for invalid")
        // An error no command anticipated is fatal too, never 1 ("partial").
        let stats = try CLIProcess.run(["store", "stats", "--db", dir + "/missing.sqlite"], in: dir)
        #expect(stats.status == 3 && stats.stderr.contains("no database"), "\(stats.status): \(stats.stderr)")
        let usage = try CLIProcess.run(["collect-once", "--no-such-flag"], in: dir)
        #expect(usage.status == 64)
    }

    @Test func sighupStopsRunGracefullyLikeSIGTERM() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-hup")
        try """
        collection:
          symbols: [IWM]
          max_expiries: 1
          strike_range_pct: 0.05
          open_interest: off
        storage:
          path: \(dir)/db.sqlite
        risk:
          kill_switch_file: \(dir)/KILL
        http:
          enabled: false
        """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let run = try CLIProcess.start(
            [
                "run", "--simulator", "--config", dir + "/c.yaml", "--clock-speed", "60", "--sim-start",
                "2026-03-04T10:01:00-05:00",
            ], in: dir)
        // Wait (bounded: an external process) for its first cycle.
        let deadline = ContinuousClock.now + .seconds(60)
        while !run.stdoutSoFar.contains("cycle #1 ") && run.process.isRunning && ContinuousClock.now < deadline {
            usleep(50_000)
        }
        try #require(run.stdoutSoFar.contains("cycle #1 "), "run never completed a cycle")
        kill(run.pid, SIGHUP)
        let result = run.wait(timeout: .seconds(60))
        #expect(
            result.exited && result.status == 0,
            "exit \(result.status) (by signal: \(!result.exited)); stderr: \(result.stderr.suffix(800))")
        #expect(result.stdout.contains("stopping after the current step"), "\(result.stdout.suffix(600))")
        #expect(result.stdout.contains("portfolio:"), "no orderly shutdown: \(result.stdout.suffix(300))")
    }

    // MARK: --version and journal

    @Test func versionComesFromOneConstant() throws {
        let r = try CLIProcess.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(r.stdout)")
    }

    @Test func journalReadsTheDecisionsWithoutSqlite() throws {
        let dir = try CLIProcess.temporaryDirectory("cli-journal")
        let db = dir + "/db.sqlite"
        let store = try SQLiteStore(path: db)
        let t0 = Date(timeIntervalSince1970: 1_772_634_600)  // 2026-03-04 09:30 New York
        try store.append(JournalEvent(time: t0, kind: .noTrade, symbol: "SPY", message: "IV rank 12.0 below 30"))
        try store.append(
            JournalEvent(
                time: t0.addingTimeInterval(86_400), kind: JournalKind(rawValue: "entry"), symbol: "IWM",
                message: "opened"))
        try store.append(
            JournalEvent(time: t0.addingTimeInterval(86_700), kind: .noTrade, symbol: "IWM", message: "max positions"))
        let all = try CLIProcess.run(["journal", "--db", db], in: dir)
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].contains("IV rank 12.0 below 30") && lines[2].contains("max positions"))
        #expect(lines[0].hasPrefix("2026-03-04T09:30:00-05:00"), "\(lines[0])")
        let filtered = try CLIProcess.run(
            ["journal", "--db", db, "--since", "2026-03-05", "--symbol", "iwm", "--kind", "no_trade"], in: dir)
        #expect(filtered.stdout.split(separator: "\n").count == 1 && filtered.stdout.contains("max positions"))
        let json = try CLIProcess.run(["journal", "--db", db, "--limit", "2", "--json"], in: dir)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(decoded?.map { $0["message"] as? String } == ["opened", "max positions"])
        let none = try CLIProcess.run(["journal", "--db", db, "--kind", "exit"], in: dir)
        #expect(none.status == 0 && none.stdout.contains("kinds in the journal: entry, no_trade"))
        let bad = try CLIProcess.run(["journal", "--db", db, "--since", "yesterday"], in: dir)
        #expect(bad.status == 64)
    }

    // MARK: wire decode

    /// Peak resident set (KiB) of `papertrader arguments...` with `input` on stdin, by /usr/bin/time.
    static func peakKiB(_ arguments: [String], input: String, in dir: String) throws -> (kib: Int, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "PEAK_KIB %M", CLIProcess.binary] + arguments
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let out = dir + "/out-\(UInt32.random(in: 0...UInt32.max))"
        let err = out + ".err"
        for path in [out, err] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: err, encoding: .utf8)
        let peak = stderr.split(separator: "\n").last { $0.hasPrefix("PEAK_KIB ") }.flatMap { Int($0.dropFirst(9)) }
        return (try #require(peak, "no peak in: \(stderr)"), try String(contentsOfFile: out, encoding: .utf8))
    }

    @Test func wireDecodeStreamsInBoundedMemoryWithTodaysOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs GNU time")
        let dir = try CLIProcess.temporaryDirectory("cli-wire")
        let stream = dir + "/stream.bin"
        let written = try CLIProcess.run(["bench", "wire", "--messages", "100000", "--write-stream", stream])
        #expect(written.status == 0, "\(written.stderr)")
        try Data().write(to: URL(fileURLWithPath: dir + "/empty"))
        let baseline = try Self.peakKiB(["wire", "decode", "--server-version", "178"], input: dir + "/empty", in: dir)
        let decoded = try Self.peakKiB(["wire", "decode", "--server-version", "178"], input: stream, in: dir)
        let size = try FileManager.default.attributesOfItem(atPath: stream)[.size] as? Int ?? 0
        // 6.9 MB of frames: reading it whole took 24 MiB more than an empty input; streamed, a few.
        #expect(size > 6_000_000)
        #expect(decoded.kib - baseline.kib < 8 * 1024, "peak \(decoded.kib) KiB vs \(baseline.kib) KiB for no input")
        // Exactly what the whole-input decoder this replaced (`decodeAll`, unchanged) prints for these bytes.
        var whole = ByteBuffer(bytes: try #require(FileManager.default.contents(atPath: stream)))
        var decoder = TWSStreamDecoder(side: .server, serverVersion: 178)
        var expected = ""
        try decoder.decodeAll(&whole) { expected += $0.serialized + "\n" }
        #expect(decoded.stdout.count > 10_000_000)
        #expect(decoded.stdout == expected, "the output changed")
    }
}

/// Two `run`s on one store would trade over each other: the second refuses, naming the first.
@Suite struct TraderLeaseCLITests {
    @Test func aSecondRunOnTheSameStoreRefusesToStartButCollectOnceMayRun() async throws {
        try #require(CLIProcess.isBuilt, "build the executable first: swift build (scripts/test.sh does)")
        let dir = try CLIProcess.temporaryDirectory("cli-lease")
        try """
        collection:
          symbols: [IWM]
          max_expiries: 0
          strike_range_pct: 0.02
          open_interest: off
        storage:
          path: \(dir)/db.sqlite
        http:
          enabled: false
        risk:
          kill_switch_file: \(dir)/KILL
        """.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let first = try CLIProcess.start(
            ["run", "--simulator", "--config", dir + "/c.yaml", "--clock-speed", "60"], in: dir)
        defer { first.process.terminate() }
        // An external process: wait (bounded) until it holds the lease.
        let deadline = ContinuousClock.now + .seconds(60)
        var holder = ""
        while holder.isEmpty && ContinuousClock.now < deadline && first.process.isRunning {
            holder = (try? String(contentsOfFile: dir + "/db.sqlite.lock", encoding: .utf8)) ?? ""
            if holder.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(holder.trimmingCharacters(in: .whitespacesAndNewlines) == String(first.pid), "lease never taken")
        let second = try CLIProcess.run(
            ["run", "--simulator", "--config", dir + "/c.yaml", "--cycles", "1"], in: dir, timeout: .seconds(60))
        #expect(second.status == 3, "\(second.stdout) \(second.stderr)")
        #expect(second.stderr.contains("another papertrader run (pid \(first.pid)) is trading on"), "\(second.stderr)")
        // `health` beside it: the run's endpoint is off, and a probe of port 4002 would not be its view
        // (it runs on its own simulator): it says so instead of probing and calling the gateway down.
        let health = try CLIProcess.run(
            ["health", "--json", "--config", dir + "/c.yaml"], in: dir, timeout: .seconds(60))
        #expect(health.status == 1, "\(health.stdout) \(health.stderr)")
        #expect(
            health.stdout.contains("pid \(first.pid)") && health.stdout.contains("http.enabled: false"),
            "\(health.stdout)")
        // A one-shot collection beside the trader is allowed.
        let once = try CLIProcess.run(
            ["collect-once", "--simulator", "--config", dir + "/c.yaml"], in: dir, timeout: .seconds(120))
        #expect([0, 1].contains(once.status), "\(once.stderr)")
        first.process.interrupt()
        let stopped = first.wait(timeout: .seconds(120))
        #expect(stopped.status == 0, "\(stopped.stderr)")
    }
}
