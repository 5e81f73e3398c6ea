import NIOCore

/// Writes NUL-terminated fields into a frame. Two dialects: requests are written as IB's official
/// Python client writes them (so our bytes match its bytes), server messages as the Java gateway does.
public struct TWSFieldWriter: TWSCoder {
    /// Which side's number spelling to use.
    public enum Dialect: Sendable {
        /// Client requests: `590.0`, unset double `1.7976931348623157e+308`.
        case client
        /// Gateway messages: `590.0`, `1.0E7`, unset double `1.7976931348623157E308`.
        case server
    }

    /// The frame being written: a 4-byte length placeholder followed by the fields.
    public private(set) var buffer: ByteBuffer
    private let lengthIndex: Int
    public let serverVersion: Int
    public let dialect: Dialect
    public var direction: TWSCoderDirection { .encode }

    /// Starts a frame in `buffer` (appending after whatever it holds).
    public init(buffer: ByteBuffer = ByteBuffer(), serverVersion: Int, dialect: Dialect) {
        var buffer = buffer
        self.lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        self.buffer = buffer
        self.serverVersion = serverVersion
        self.dialect = dialect
    }

    /// Closes the frame (patches its length) and returns the bytes.
    public mutating func finish() -> ByteBuffer {
        let length = buffer.writerIndex - lengthIndex - 4
        buffer.setInteger(UInt32(length), at: lengthIndex)
        return buffer
    }

    /// Writes raw field text.
    public mutating func write(_ text: String) throws {
        if text.utf8.contains(0) {
            throw TWSWireError(.malformedField, "a field cannot contain NUL")
        }
        buffer.writeString(text)
        buffer.writeInteger(UInt8(0))
    }

    /// Writes an int field.
    public mutating func write(_ value: Int) {
        buffer.writeString(String(value))
        buffer.writeInteger(UInt8(0))
    }

    /// The text of a double in this writer's dialect.
    public func text(_ value: Double) -> String {
        TWSNumberFormatting.double(value, dialect: dialect)
    }

    // MARK: TWSCoder

    public mutating func string(_ value: inout String, _ name: StaticString) throws {
        try write(value)
    }

    public mutating func escapedString(_ value: inout String, _ name: StaticString) throws {
        try write(TWSText.escape(value))
    }

    public mutating func int(_ value: inout Int, _ name: StaticString) throws {
        write(value)
    }

    public mutating func int(_ value: inout Int?, _ name: StaticString, unset: TWSUnset) throws {
        if let v = value {
            write(v)
        } else {
            try write(unset == .empty ? "" : String(TWSNumberParsing.unsetInt))
        }
    }

    public mutating func double(_ value: inout Double?, _ name: StaticString, unset: TWSUnset) throws {
        if let v = value {
            try write(text(v))
        } else if unset == .empty {
            try write("")
        } else {
            try write(text(TWSNumberParsing.unsetDouble))
        }
    }

    public mutating func bool(_ value: inout Bool, _ name: StaticString) throws {
        try write(value ? "1" : "0")
    }

    public mutating func decimal(_ value: inout TWSDecimal?, _ name: StaticString) throws {
        try write(value?.description ?? "")
    }

    public mutating func conjunction(_ value: inout Bool, _ name: StaticString) throws {
        try write(value ? "a" : "o")
    }

    public mutating func placeholder(_ text: StaticString, _ name: StaticString) throws {
        try write(text.description)
    }

    public mutating func nested(_ name: StaticString, _ body: (inout TWSFieldWriter) throws -> Void) throws {
        try body(&self)
    }

    public mutating func list<Element>(
        _ values: inout [Element], _ name: StaticString, makeElement: () -> Element,
        _ body: (inout Element, inout TWSFieldWriter) throws -> Void
    ) throws {
        write(values.count)
        for i in values.indices {
            try body(&values[i], &self)
        }
    }
}

/// Number spellings of the two sides of the wire.
public enum TWSNumberFormatting {
    /// A double as IB's Python client (`.client`) or the Java gateway (`.server`) prints it.
    public static func double(_ value: Double, dialect: TWSFieldWriter.Dialect) -> String {
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        if value.isNaN { return "NaN" }
        switch dialect {
        case .client:
            return value.description
        case .server:
            return java(value)
        }
    }

    /// Java's `Double.toString`: plain notation in [1e-3, 1e7), otherwise `d.dddE±n`.
    static func java(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            let text = value.description
            if !text.contains("e") { return text }
        }
        // Shortest round-trip digits and exponent from Swift's description, re-spelled Java-style.
        let (digits, exponent) = decompose(magnitude)
        var mantissa = String(digits.first ?? "0") + "."
        mantissa += digits.count > 1 ? String(digits.dropFirst()) : "0"
        return (value < 0 ? "-" : "") + mantissa + "E" + String(exponent)
    }

    /// Significant digits (no leading/trailing zeros) and the decimal exponent of the first digit.
    static func decompose(_ magnitude: Double) -> (digits: [Character], exponent: Int) {
        let text = magnitude.description
        var mantissaPart = Substring(text)
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissaPart = text[..<e]
            exp = Int(text[text.index(after: e)...]) ?? 0
        }
        let dot = mantissaPart.firstIndex(of: ".") ?? mantissaPart.endIndex
        let intPart = mantissaPart[..<dot]
        let fracPart = dot < mantissaPart.endIndex ? mantissaPart[mantissaPart.index(after: dot)...] : ""
        var all = Array(intPart) + Array(fracPart)
        var pointPosition = intPart.count + exp
        while let first = all.first, first == "0" {
            all.removeFirst()
            pointPosition -= 1
        }
        while let last = all.last, last == "0" { all.removeLast() }
        if all.isEmpty { return (["0"], 0) }
        return (all, pointPosition - 1)
    }
}
