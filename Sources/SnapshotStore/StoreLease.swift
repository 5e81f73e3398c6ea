import Foundation

/// One trader per store: an exclusive lock on `<database>.lock`, held for the life of the process
/// (the kernel releases it when the process dies, however it dies), with the holder's pid inside so a
/// refused second trader can name it. Readers and `collect-once` never take it.
public final class StoreLease: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Why the lease could not be taken.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        /// The process holding the store, when it wrote its pid.
        public var holder: Int32?
        public var message: String
        public var description: String { message }
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lease of the store at `databasePath`, or throws `Refused` naming the holder.
    public static func acquire(databasePath: String) throws(Refused) -> StoreLease {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Refused(
                holder: nil, message: "cannot open the store's lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder =
                n > 0
                ? Int32(
                    String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                : nil
            guard busy else {
                throw Refused(holder: nil, message: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
            throw Refused(
                holder: holder,
                message:
                    "another papertrader run\(holder.map { " (pid \($0))" } ?? "") is trading on \(databasePath): stop it first, or give this one its own storage.path (collect-once, report and the other read-only commands may run beside it)"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        // Without the pid the lock still holds; a refused second run just cannot name this process.
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return StoreLease(path: path, descriptor: fd)
    }
}
