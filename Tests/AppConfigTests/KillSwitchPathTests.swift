import Foundation
import Testing

@testable import AppConfig

/// `config check` refuses a `risk.kill_switch_file` that `kill-switch on|off` would damage.
@Suite struct KillSwitchPathTests {
    func issues(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.load(text: yaml, source: "paper_trading.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func theDatabaseAndItsCompanionsAreRejectedWithFileLineAndKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ks-config-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/db.sqlite"
        #expect(FileManager.default.createFile(atPath: db, contents: Data(repeating: 1, count: 4096)))
        #expect(FileManager.default.createFile(atPath: dir + "/notes", contents: Data("mine".utf8)))
        for (target, words) in [
            (db, "is the database"), (db + "-wal", "WAL"), (db + "-shm", "SHM"), (dir, "is a directory"),
            (dir + "/notes", "not a kill-switch marker"),
        ] {
            let found = issues("storage:\n  path: \(db)\nrisk:\n  kill_switch_file: \(target)\n")
            #expect(found.count == 1, "\(target): \(found)")
            #expect(found.first?.hasPrefix("paper_trading.yaml:4: risk.kill_switch_file: ") == true, "\(found)")
            #expect(found.first?.contains(words) == true, "\(found)")
        }
        #expect(issues("storage:\n  path: \(db)\nrisk:\n  kill_switch_file: \(dir)/KILL\n").isEmpty)
    }
}

/// `config check` refuses a Polygon base URL that would carry the key unencrypted.
@Suite struct PolygonBaseURLTests {
    @Test func plainHTTPIsRejectedExceptLoopback() {
        func issues(_ url: String) -> [String] {
            do {
                _ = try ConfigLoader.load(text: "polygon:\n  enabled: true\n  base_url: \(url)\n", source: "p.yaml")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        let plain = issues("http://api.polygon.io")
        #expect(
            plain.count == 1 && plain.first?.hasPrefix("p.yaml:3: polygon.base_url: uses http://") == true, "\(plain)")
        #expect(issues("https://api.polygon.io").isEmpty)
        #expect(issues("http://127.0.0.1:8089").isEmpty)
    }
}
