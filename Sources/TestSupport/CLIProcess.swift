import Foundation

/// Runs the built `papertrader` executable as a child process, for tests of what the command line
/// prints and exits with.
public struct CLIProcess: Sendable {
    /// What a finished run left behind.
    public struct Result: Sendable {
        /// The exit status (or the signal number for a process killed by a signal).
        public let status: Int32
        /// Whether it ended by exit (not by a signal).
        public let exited: Bool
        /// Everything written to stdout.
        public let stdout: String
        /// Everything written to stderr.
        public let stderr: String
    }

    /// `.build/debug/papertrader` of this repository.
    public static let binary = Fixtures.repo(".build/debug/papertrader").path

    /// Whether the executable has been built (`swift build`).
    public static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Runs `papertrader arguments...` in `directory` (default: a fresh temporary one) and waits for it.
    public static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil,
        stdin: Data? = nil, timeout: Duration = .seconds(180)
    ) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment, stdin: stdin)
        return process.wait(timeout: timeout)
    }

    /// A started child whose output goes to temporary files (no pipe can fill up and block it).
    public final class Running: @unchecked Sendable {
        /// The child process.
        public let process: Process
        let out: URL
        let err: URL

        init(process: Process, out: URL, err: URL) {
            self.process = process
            self.out = out
            self.err = err
        }

        /// The child's pid.
        public var pid: Int32 { process.processIdentifier }

        /// What the child wrote to stdout so far.
        public var stdoutSoFar: String {
            // The file exists from the start; a read failure shows as no output, which the test then reports.
            (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        }

        /// Waits (at most `timeout`: it is an external process) for the child to end and returns what
        /// it left; a child still running then is killed and reported with status -1.
        public func wait(timeout: Duration = .seconds(180)) -> Result {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
                return Result(status: -1, exited: false, stdout: stdoutSoFar, stderr: "still running after \(timeout)")
            }
            process.waitUntilExit()
            // As above: unreadable output shows as empty and fails the test's expectations about it.
            let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            return Result(
                status: process.terminationStatus, exited: process.terminationReason == .exit, stdout: stdout,
                stderr: stderr)
        }
    }

    /// Starts `papertrader arguments...` without waiting.
    public static func start(
        _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil,
        stdin: Data? = nil
    ) throws -> Running {
        let dir = try directory ?? temporaryDirectory("cli")
        let id = UInt32.random(in: 0...UInt32.max)
        let out = URL(fileURLWithPath: dir).appendingPathComponent(".stdout-\(id)")
        let err = URL(fileURLWithPath: dir).appendingPathComponent(".stderr-\(id)")
        for url in [out, err] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = URL(fileURLWithPath: dir).appendingPathComponent(".stdin-\(id)")
            try stdin.write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        return Running(process: process, out: out, err: err)
    }

    /// A new empty directory under the system's temporary directory.
    public static func temporaryDirectory(_ prefix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
