/// A message payload whose fields are described once by `code(_:)` and coded in every direction.
public protocol TWSMessageLayout: Sendable, Hashable {
    /// The payload with IB's default values (the starting point for decoding).
    init()
    /// The payload's fields after the message id, in wire order, at `coder.serverVersion`.
    mutating func code<C: TWSCoder>(_ coder: inout C) throws
}

extension TWSMessageLayout {
    /// Decodes the payload from a reader positioned after the message id.
    public static func decode(from reader: inout TWSFieldReader) throws -> Self {
        var value = Self()
        try value.code(&reader)
        return value
    }

    /// The payload's fields rendered under their official names.
    public func renderedFields(serverVersion: Int) -> TWSJSONCoder {
        var copy = self
        var coder = TWSJSONCoder(serverVersion: serverVersion)
        // Rendering reads values only; the coder cannot fail on a value that was decoded or built.
        try? copy.code(&coder)
        return coder
    }
}
