/// A tool's inputs do not allow a run (an empty corpus, an unclear config error); the message says which.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for the command line.
    public let message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
