import AppConfig
import Foundation
import Logging
import Synchronization

/// One JSON object per line (`time`, `level`, `label`, `message`, `metadata`, `source`): for files
/// and log shippers. Metadata values are logged as given; secrets never reach a logger.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let explicit = event.metadata { fields.merge(explicit) { _, new in new } }
        var object: [String: String] = [
            "time": ISO8601DateFormatter.string(
                from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": event.level.rawValue, "label": label, "message": event.message.description,
            "source": event.source,
        ]
        if let error = event.error { object["error"] = "\(error)" }
        for (key, value) in fields { object[key] = "\(value)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(object) else { return }
        sink.write(data + Data("\n".utf8))
    }
}

/// A file (or stderr) shared by every logger, written one whole line at a time.
public final class LogSink: Sendable {
    let handle: Mutex<FileHandle>

    public init(handle: FileHandle) { self.handle = Mutex(handle) }

    /// Appends to `path`, creating it (and its directory) when missing.
    public static func appending(to path: String) throws -> LogSink {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle.seekToEndOfFile()
        return LogSink(handle: handle)
    }

    func write(_ data: Data) {
        handle.withLock { $0.write(data) }
    }
}

/// swift-log handlers from the `logging:` section: text on stderr for terminals (or JSON when
/// `format: json`), plus JSON lines appended to `logging.file` when set. The executable passes the
/// factory to its one `LoggingSystem.bootstrap`; library code never bootstraps logging.
public enum LogSetup {
    /// The handler factory for `config` (`terminalLevel` overrides the level on stderr only).
    public static func handlerFactory(
        _ config: LoggingConfig, terminalLevel: Logger.Level? = nil
    ) -> @Sendable (String) -> any LogHandler {
        let level = Logger.Level(rawValue: config.level) ?? .info
        let file: LogSink?
        do {
            file = try config.file.map(LogSink.appending(to:))
        } catch {
            FileHandle.standardError.write(Data("warning: logging.file: \(error)\n".utf8))
            file = nil
        }
        let stderr = LogSink(handle: .standardError)
        return { label in
            var handlers: [any LogHandler] = []
            if config.format == "json" {
                handlers.append(JSONLogHandler(label: label, level: terminalLevel ?? level, sink: stderr))
            } else {
                var text = StreamLogHandler.standardError(label: label)
                text.logLevel = terminalLevel ?? level
                handlers.append(text)
            }
            if let file { handlers.append(JSONLogHandler(label: label, level: level, sink: file)) }
            return handlers.count == 1 ? handlers[0] : MultiplexLogHandler(handlers)
        }
    }
}
