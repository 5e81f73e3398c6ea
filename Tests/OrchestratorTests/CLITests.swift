import Foundation
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
}
