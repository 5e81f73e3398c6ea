#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads NUL-terminated ASCII fields from one frame's payload without copying or allocating
/// (strings excepted). Valid only inside the `withUnsafe...` scope that produced its buffer.
public struct TWSFieldReader: TWSCoder {
    let base: UnsafeRawBufferPointer
    var position: Int
    public let serverVersion: Int
    public var direction: TWSCoderDirection { .decode }

    /// Reads `bytes` (a payload of NUL-terminated fields) at `serverVersion`.
    public init(bytes: UnsafeRawBufferPointer, serverVersion: Int) {
        self.base = bytes
        self.position = 0
        self.serverVersion = serverVersion
    }

    /// Fields left unread (decoders accept trailing fields they do not know, as IB's does).
    public var remainingFieldCount: Int {
        var count = 0
        var i = position
        while i < base.count {
            if base[i] == 0 { count += 1 }
            i += 1
        }
        return count
    }

    /// True when no field remains.
    public var isAtEnd: Bool { position >= base.count }

    /// The raw bytes of the next field (without its NUL), advancing past it.
    public mutating func nextField() throws -> UnsafeRawBufferPointer {
        guard position < base.count, let start = base.baseAddress else {
            throw TWSWireError(.missingField, "frame ended before field #\(fieldIndex + 1)")
        }
        // Fields are mostly a few bytes long: a plain scan beats the call into memchr.
        var end = position
        let count = base.count
        while end < count && start.load(fromByteOffset: end, as: UInt8.self) != 0 { end += 1 }
        guard end < count else {
            throw TWSWireError(.missingField, "last field is not NUL-terminated")
        }
        let field = UnsafeRawBufferPointer(start: start + position, count: end - position)
        position = end + 1
        return field
    }

    var fieldIndex: Int {
        var count = 0
        for i in 0..<min(position, base.count) where base[i] == 0 { count += 1 }
        return count
    }

    /// Reads the next field as text.
    public mutating func readString() throws -> String {
        let field = try nextField()
        if field.isEmpty { return "" }
        return String(decoding: field, as: UTF8.self)
    }

    /// Reads the next field as an int (empty = nil).
    public mutating func readInt() throws -> Int? {
        // One pass over plain digits; anything unusual (overflow, junk, no NUL) re-reads the field.
        if let start = base.baseAddress {
            let count = base.count
            var i = position
            var negative = false
            if i < count {
                let sign = start.load(fromByteOffset: i, as: UInt8.self)
                if sign == 0 {
                    position = i + 1
                    return nil
                }
                if sign == UInt8(ascii: "-") {
                    negative = true
                    i += 1
                }
            }
            var value = 0
            var digits = 0
            while i < count {
                let b = start.load(fromByteOffset: i, as: UInt8.self)
                if b == 0 {
                    if digits == 0 { break }
                    position = i + 1
                    return negative ? -value : value
                }
                let d = Int(b) &- 48
                guard d >= 0 && d <= 9 && digits < 18 else { break }
                value = value &* 10 &+ d
                digits += 1
                i += 1
            }
        }
        return try readIntSlowly()
    }

    private mutating func readIntSlowly() throws -> Int? {
        let field = try nextField()
        if field.isEmpty { return nil }
        guard let value = TWSNumberParsing.int(field) else {
            throw malformed(field, as: "int")
        }
        return value
    }

    /// Reads the next field as a double (empty = nil; `Infinity`/`Infinite` = +inf).
    public mutating func readDouble() throws -> Double? {
        // One pass over a plain decimal: a mantissa below 2^53 divided by an exact power of ten is one
        // correctly rounded operation. Anything else (exponents, infinities, junk) re-reads the field.
        if let start = base.baseAddress {
            let count = base.count
            var i = position
            var negative = false
            if i < count {
                let sign = start.load(fromByteOffset: i, as: UInt8.self)
                if sign == 0 {
                    position = i + 1
                    return nil
                }
                if sign == UInt8(ascii: "-") {
                    negative = true
                    i += 1
                }
            }
            var mantissa: UInt64 = 0
            var digits = 0
            var fraction = 0
            var seenDot = false
            var any = false
            while i < count {
                let b = start.load(fromByteOffset: i, as: UInt8.self)
                if b == 0 {
                    guard any, fraction <= 22, mantissa < (1 << 53) else { break }
                    position = i + 1
                    let value = Double(mantissa) / TWSNumberParsing.exactPowerOfTen(fraction)
                    return negative ? -value : value
                }
                if b == UInt8(ascii: ".") {
                    if seenDot { break }
                    seenDot = true
                } else {
                    let d = UInt64(b) &- 48
                    guard d <= 9 && digits < 16 else { break }
                    mantissa = mantissa &* 10 &+ d
                    if mantissa != 0 { digits += 1 }
                    if seenDot { fraction += 1 }
                    any = true
                }
                i += 1
            }
        }
        return try readDoubleSlowly()
    }

    private mutating func readDoubleSlowly() throws -> Double? {
        let field = try nextField()
        if field.isEmpty { return nil }
        guard let value = TWSNumberParsing.double(field) else {
            throw malformed(field, as: "double")
        }
        return value
    }

    /// Skips `n` fields.
    public mutating func skip(_ n: Int = 1) throws {
        for _ in 0..<n { _ = try nextField() }
    }

    func malformed(_ field: UnsafeRawBufferPointer, as type: String) -> TWSWireError {
        let text = String(decoding: field.prefix(40), as: UTF8.self)
        return TWSWireError(.malformedField, "field #\(fieldIndex) is not a valid \(type): \"\(text)\"")
    }

    // MARK: TWSCoder

    public mutating func string(_ value: inout String, _ name: StaticString) throws {
        value = try readString()
    }

    public mutating func escapedString(_ value: inout String, _ name: StaticString) throws {
        value = TWSText.unescape(try readString())
    }

    public mutating func int(_ value: inout Int, _ name: StaticString) throws {
        value = try readInt() ?? 0
    }

    public mutating func int(_ value: inout Int?, _ name: StaticString, unset: TWSUnset) throws {
        switch try readInt() {
        case nil: value = unset == .empty ? nil : 0
        case let v? where v == TWSNumberParsing.unsetInt || v == TWSNumberParsing.unsetLong: value = nil
        case let v?: value = v
        }
    }

    public mutating func double(_ value: inout Double?, _ name: StaticString, unset: TWSUnset) throws {
        switch try readDouble() {
        case nil: value = unset == .empty ? nil : 0
        case let v? where v == TWSNumberParsing.unsetDouble: value = nil
        case let v?: value = v
        }
    }

    public mutating func bool(_ value: inout Bool, _ name: StaticString) throws {
        value = (try readInt() ?? 0) != 0
    }

    public mutating func decimal(_ value: inout TWSDecimal?, _ name: StaticString) throws {
        let field = try nextField()
        if field.isEmpty || TWSNumberParsing.isUnsetSpelling(field) {
            value = nil
            return
        }
        if let d = TWSDecimal(ascii: field) {
            value = d
        } else if let d = TWSNumberParsing.double(field), let exact = TWSDecimal(exactly: d) {
            value = exact
        } else {
            throw malformed(field, as: "decimal")
        }
    }

    public mutating func conjunction(_ value: inout Bool, _ name: StaticString) throws {
        let field = try nextField()
        value = field.count == 1 && field[0] == UInt8(ascii: "a")
    }

    public mutating func placeholder(_ text: StaticString, _ name: StaticString) throws {
        _ = try nextField()
    }

    public mutating func nested(_ name: StaticString, _ body: (inout TWSFieldReader) throws -> Void) throws {
        try body(&self)
    }

    public mutating func list<Element>(
        _ values: inout [Element], _ name: StaticString, makeElement: () -> Element,
        _ body: (inout Element, inout TWSFieldReader) throws -> Void
    ) throws {
        let count = try readInt() ?? 0
        // A count larger than the bytes left cannot be honest; refuse it before allocating.
        guard count >= 0, count <= base.count - position else {
            throw TWSWireError(.malformedField, "list count \(count) exceeds the frame")
        }
        values.removeAll(keepingCapacity: true)
        values.reserveCapacity(count)
        for _ in 0..<count {
            var element = makeElement()
            try body(&element, &self)
            values.append(element)
        }
    }
}

/// Number parsing straight from field bytes: a Clinger fast path for ordinary decimals and
/// `strtod` (the field is NUL-terminated in place) for the rest.
public enum TWSNumberParsing {
    /// IB's unset int (`Integer.MAX_VALUE`).
    public static let unsetInt = 2_147_483_647
    /// IB's unset long (`Long.MAX_VALUE`).
    public static let unsetLong = Int.max
    /// IB's unset double (`Double.MAX_VALUE`).
    public static let unsetDouble = Double.greatestFiniteMagnitude

    /// 10^n for 0...22, the powers a double holds exactly (a switch: no lazy global on the hot path).
    @inline(__always)
    static func exactPowerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// True when `field` is exactly the ASCII text of `literal`.
    @inline(__always)
    static func equals(_ field: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard field.count == literal.utf8CodeUnitCount, let base = field.baseAddress else { return false }
        return memcmp(base, literal.utf8Start, field.count) == 0
    }

    /// Parses a decimal integer; nil on any other character or overflow.
    public static func int(_ field: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        var negative = false
        if field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = field[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < field.count else { return nil }
        var value = 0
        while i < field.count {
            let d = Int(field[i]) &- 48
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            value = s
            i += 1
        }
        return value
    }

    /// Parses a double: plain decimals exactly via the fast path, exponents and long mantissas via
    /// strtod, `Infinity`/`Infinite`/`-Infinity` as infinities; nil for anything else.
    public static func double(_ field: UnsafeRawBufferPointer) -> Double? {
        // IB's unset double (Java's Double.MAX_VALUE) fills order messages; it would take strtod's slow path.
        if field.count == 22 && field[0] == UInt8(ascii: "1") && equals(field, "1.7976931348623157E308") {
            return unsetDouble
        }
        var i = 0
        var negative = false
        if field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = field[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenDot = false
        var simple = i < field.count
        while i < field.count {
            let b = field[i]
            if b >= 48 && b <= 57 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b - 48)
                    if mantissa != 0 || seenDot { digits += 1 }
                } else {
                    simple = false
                    break
                }
                if seenDot { fraction += 1 }
            } else if b == UInt8(ascii: ".") && !seenDot {
                seenDot = true
            } else {
                simple = false
                break
            }
            i += 1
        }
        if simple && mantissa < (1 << 53) && fraction <= 22 {
            let value = Double(mantissa) / exactPowerOfTen(fraction)
            return negative ? -value : value
        }
        return slowDouble(field)
    }

    static func slowDouble(_ field: UnsafeRawBufferPointer) -> Double? {
        let text = String(decoding: field, as: UTF8.self)
        switch text {
        case "Infinity", "+Infinity", "Infinite", "inf": return .infinity
        case "-Infinity", "-Infinite", "-inf": return -.infinity
        default: break
        }
        // Only decimal and exponent syntax: strtod would also accept hex floats and "nan(...)".
        guard
            text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 43 || $0 == 101 || $0 == 69 }
            )
        else { return nil }
        return Double(text)
    }

    /// True for IB's spellings of an unset decimal.
    public static func isUnsetSpelling(_ field: UnsafeRawBufferPointer) -> Bool {
        guard field.count >= 10 else { return false }
        let first = field[0]
        guard
            first == UInt8(ascii: "2") || first == UInt8(ascii: "9") || first == UInt8(ascii: "1")
                || first == UInt8(ascii: "-")
        else { return false }
        return equals(field, "2147483647") || equals(field, "9223372036854775807")
            || equals(field, "-9223372036854775808") || equals(field, "1.7976931348623157E308")
            || equals(field, "1.7976931348623157e+308") || equals(field, "170141183460469231731687303715884105727")
    }
}
