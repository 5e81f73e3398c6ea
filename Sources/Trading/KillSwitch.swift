import Foundation

/// The kill-switch file (`risk.kill_switch_file`): a small marker of our own format whose existence
/// halts new entries. `turnOn` creates only that marker and `turnOff` removes only that marker, so a
/// mistyped path can never overwrite or delete a database, its WAL/SHM or a directory.
public struct KillSwitch: Sendable, Equatable {
    /// The marker's path as configured.
    public let path: String

    /// The first line of every marker; a file without it is not ours.
    public static let magic = "papertrader kill switch v1"
    /// How markers written before the format existed begin (`kill switch set <date>`); still ours.
    static let legacyPrefix = "kill switch set "
    /// Markers are tiny; anything larger is not ours whatever it starts with.
    public static let maximumMarkerBytes = 4096

    /// A kill switch at `path` (relative paths are relative to the working directory).
    public init(path: String) {
        self.path = path
    }

    /// Whether entries are halted: something exists at the path. (A path holding anything but our
    /// marker is refused by `validate`, so for a validated configuration this means "our marker".)
    public var isOn: Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// What is at the path now.
    public enum State: Sendable, Equatable {
        /// Nothing: entries are allowed.
        case off
        /// Our marker, with the text it carries.
        case on(marker: String)
        /// Something that is not our marker (a refusal to touch it follows).
        case foreign(String)
    }

    /// Inspects the path without changing it.
    public func state() -> State {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .off }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .foreign("is a directory")
        case S_IFLNK: return .foreign("is a symbolic link")
        case S_IFREG: break
        default: return .foreign("is not a regular file")
        }
        guard Int(status.st_size) <= Self.maximumMarkerBytes else {
            return .foreign("is a \(status.st_size)-byte file, not a kill-switch marker")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(Self.magic + "\n") || text.hasPrefix(Self.legacyPrefix)
        else {
            return .foreign("is an existing file that is not a kill-switch marker")
        }
        return .on(marker: text)
    }

    /// Why `path` must not be used as the kill-switch file with the database at `databasePath` (nil for
    /// a database that is not a file), or nil when it is fine.
    public static func problem(path: String, databasePath: String?) -> String? {
        guard !path.isEmpty else { return nil }
        if let databasePath, !databasePath.isEmpty {
            let mine = resolved(path)
            let database = resolved(databasePath)
            for suffix in ["", "-wal", "-shm", "-journal"] where mine == database + suffix {
                return suffix.isEmpty
                    ? "is the database (storage.path): choose another file, e.g. data/KILL"
                    : "is the database's \(suffix.dropFirst().uppercased()) file (storage.path + \(suffix)): choose another file, e.g. data/KILL"
            }
        }
        if case .foreign(let what) = KillSwitch(path: path).state() {
            return "\(what) (\(path)): the kill switch creates and removes only its own marker; choose another path"
        }
        return nil
    }

    /// Throws `KillSwitchError` when `problem(path:databasePath:)` finds one.
    public static func validate(path: String, databasePath: String?) throws(KillSwitchError) {
        if let problem = problem(path: path, databasePath: databasePath) {
            throw KillSwitchError(message: "risk.kill_switch_file \(problem)")
        }
    }

    /// Creates the marker (and its directory); already on is fine. Never replaces an existing file.
    public func turnOn(databasePath: String?, now: Date = Date()) throws(KillSwitchError) {
        try Self.validate(path: path, databasePath: databasePath)
        if case .on = state() { return }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw KillSwitchError(
                    message: "cannot create the directory \(directory): \(error.localizedDescription)")
            }
        }
        let text = "\(Self.magic)\nset_at: \(ISO8601DateFormatter().string(from: now))\npid: \(getpid())\n"
        // O_EXCL: if anything appeared at the path since the check, it is left alone.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "something was created there meanwhile" : String(cString: strerror(errno))
            throw KillSwitchError(message: "cannot create the kill-switch marker \(path): \(reason)")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw KillSwitchError(message: "cannot write the kill-switch marker \(path): \(reason)")
        }
    }

    /// Removes the marker; already off is fine. Anything that is not our marker is left alone.
    public func turnOff() throws(KillSwitchError) {
        switch state() {
        case .off: return
        case .foreign(let what):
            throw KillSwitchError(
                message:
                    "risk.kill_switch_file \(what) (\(path)): not removed; the kill switch removes only its own marker")
        case .on:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw KillSwitchError(message: "cannot remove \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// An absolute path with `.`/`..` and symbolic links of existing components resolved.
    static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let url = URL(fileURLWithPath: absolute).standardizedFileURL
        // Resolve links in the parent (which exists more often than the file) and then the file itself.
        let parent = url.deletingLastPathComponent().resolvingSymlinksInPath()
        return parent.appendingPathComponent(url.lastPathComponent).resolvingSymlinksInPath().path
    }
}

/// A kill-switch operation refused or failed; the message says what to do.
public struct KillSwitchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened, naming the path.
    public let message: String
    /// The message.
    public var description: String { message }
}
