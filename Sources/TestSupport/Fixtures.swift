import Foundation

/// Locates fixture files for tests: the repository's own `Tests/.../Fixtures` and `../shared/fixtures`.
public enum Fixtures {
    /// The repository root, derived from this file's location (Sources/TestSupport/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/fixtures/<relative>` beside the repository (read-only data written by others).
    public static func shared(_ relative: String) -> URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures").appendingPathComponent(
            relative)
    }

    /// `../shared/protocol/<relative>`.
    public static func sharedProtocol(_ relative: String) -> URL {
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/protocol").appendingPathComponent(
            relative)
    }

    /// A file under the repository root.
    public static func repo(_ relative: String) -> URL {
        repositoryRoot.appendingPathComponent(relative)
    }
}
