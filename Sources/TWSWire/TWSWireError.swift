/// A protocol-level failure: malformed bytes, a field that is not what its layout says, or a version
/// outside what this implementation speaks. Thrown by framing, handshake and message decoding.
public struct TWSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case frameTooLarge, missingField, malformedField, malformedHandshake, unsupportedVersion
            case unknownMessage, truncated
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A length prefix above the 0xFFFFFF maximum.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// The frame ended before a field its layout requires.
        public static let missingField = Code(.missingField)
        /// A field that cannot be read as its type (e.g. letters in an int).
        public static let malformedField = Code(.malformedField)
        /// A hello or server reply that does not follow the handshake format.
        public static let malformedHandshake = Code(.malformedHandshake)
        /// A negotiated version outside 157...200 (the text protocol this project speaks).
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A message id this side does not know (requests only; unknown server messages decode as `unhandled`).
        public static let unknownMessage = Code(.unknownMessage)
        /// A stream that ended in the middle of a frame.
        public static let truncated = Code(.truncated)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Human-readable detail, safe to log.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
