import Foundation
import Testing

@testable import Trading

/// `risk.kill_switch_file` can name anything: the switch must create and remove only its own marker.
@Suite struct KillSwitchTests {
    /// A fresh directory holding a "database" with its WAL and SHM files.
    func sandbox() throws -> (dir: String, db: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "killswitch-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/market.sqlite"
        for suffix in ["", "-wal", "-shm"] {
            #expect(FileManager.default.createFile(atPath: db + suffix, contents: Data(repeating: 7, count: 8192)))
        }
        return (dir, db)
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func onCreatesOurMarkerAndOffRemovesIt() throws {
        let (dir, db) = try sandbox()
        let ks = KillSwitch(path: dir + "/sub/KILL")
        #expect(!ks.isOn && ks.state() == .off)
        try ks.turnOn(databasePath: db)
        #expect(ks.isOn)
        guard case .on(let text) = ks.state() else {
            Issue.record("expected our marker, got \(ks.state())")
            return
        }
        #expect(text.hasPrefix(KillSwitch.magic + "\n") && text.utf8.count < 200)
        try ks.turnOn(databasePath: db)  // already on: fine, unchanged
        #expect(ks.state() == .on(marker: text))
        try ks.turnOff()
        #expect(!ks.isOn)
        try ks.turnOff()  // already off: fine
    }

    @Test func theDatabaseItsWALAndSHMAreRefusedAndUntouched() throws {
        let (dir, db) = try sandbox()
        for target in [db, db + "-wal", db + "-shm", dir + "/./market.sqlite"] {
            let before = bytes(target)
            #expect(KillSwitch.problem(path: target, databasePath: db) != nil, "\(target)")
            #expect(throws: KillSwitchError.self) { try KillSwitch(path: target).turnOn(databasePath: db) }
            #expect(throws: KillSwitchError.self) { try KillSwitch(path: target).turnOff() }
            #expect(bytes(target) == before && before?.count == 8192, "\(target) was changed")
        }
        // The database's path is refused even before the database exists (a fresh install).
        #expect(
            KillSwitch.problem(path: dir + "/new.sqlite-wal", databasePath: dir + "/new.sqlite")?.contains("WAL")
                == true)
        // A symbolic link to the database is the database.
        let link = dir + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: db)
        #expect(KillSwitch.problem(path: link, databasePath: db) != nil)
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: link).turnOff() }
        #expect(FileManager.default.fileExists(atPath: link) && bytes(db)?.count == 8192)
    }

    @Test func aDirectoryIsNeverDeleted() throws {
        let (dir, db) = try sandbox()
        #expect(KillSwitch.problem(path: dir, databasePath: nil)?.contains("directory") == true)
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: dir).turnOff() }
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: dir).turnOn(databasePath: nil) }
        #expect(bytes(db)?.count == 8192)
    }

    @Test func aForeignFileIsNeitherOverwrittenNorDeleted() throws {
        let (dir, db) = try sandbox()
        let notes = dir + "/notes.txt"
        #expect(FileManager.default.createFile(atPath: notes, contents: Data("my notes\n".utf8)))
        #expect(KillSwitch.problem(path: notes, databasePath: db)?.contains("not a kill-switch marker") == true)
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: notes).turnOn(databasePath: db) }
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: notes).turnOff() }
        #expect(bytes(notes) == Data("my notes\n".utf8))
        // A large file that happens to start with the magic line is not ours either.
        let big = dir + "/big"
        let text = KillSwitch.magic + "\n" + String(repeating: "x", count: 10_000)
        #expect(FileManager.default.createFile(atPath: big, contents: Data(text.utf8)))
        #expect(throws: KillSwitchError.self) { try KillSwitch(path: big).turnOff() }
        #expect(bytes(big)?.count == text.utf8.count)
    }

    @Test func aMarkerOfEarlierVersionsIsStillOurs() throws {
        let (dir, db) = try sandbox()
        let path = dir + "/KILL"
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data("kill switch set 2026-11-30 10:00:00 +0000\n".utf8)))
        #expect(KillSwitch.problem(path: path, databasePath: db) == nil)
        try KillSwitch(path: path).turnOff()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
