/// How an absent value is written and how an empty field is read, mirroring IB's two conventions.
public enum TWSUnset: Sendable {
    /// Absent <-> empty field. An empty field reads as absent (IB's `SHOW_UNSET` reads and
    /// `make_field_handle_empty` writes).
    case empty
    /// Absent <-> the type's maximum (`1.7976931348623157E308`, `2147483647`); an empty field reads
    /// as 0, as IB's plain reads do.
    case sentinel
}

/// What a coder does with a layout.
public enum TWSCoderDirection: Sendable {
    /// Bytes -> values.
    case decode
    /// Values -> bytes.
    case encode
    /// Values -> JSON (official names).
    case render
}

/// One message layout drives three coders: the reader (decode), the writer (encode) and the JSON
/// renderer, so the decoder, the encoder and `wire decode` can never disagree on a field.
///
/// Every call names the field by its official IB attribute path (`contract.conId`); names starting
/// with `_` are protocol plumbing (version fields, deprecated placeholders) that JSON leaves out.
public protocol TWSCoder {
    /// The negotiated server version the layout is coded at.
    var serverVersion: Int { get }
    /// Whether this coder reads bytes, writes bytes or renders JSON.
    var direction: TWSCoderDirection { get }

    /// A text field.
    mutating func string(_ value: inout String, _ name: StaticString) throws
    /// Text IB sends with Python `unicode-escape` (error strings, long names): `\\uXXXX` for non-ASCII.
    mutating func escapedString(_ value: inout String, _ name: StaticString) throws
    /// An int field whose empty form is 0 (IB's plain int).
    mutating func int(_ value: inout Int, _ name: StaticString) throws
    /// An optional int, with IB's convention for absence.
    mutating func int(_ value: inout Int?, _ name: StaticString, unset: TWSUnset) throws
    /// An optional double, with IB's convention for absence.
    mutating func double(_ value: inout Double?, _ name: StaticString, unset: TWSUnset) throws
    /// A bool written as `1`/`0`.
    mutating func bool(_ value: inout Bool, _ name: StaticString) throws
    /// An optional decimal; empty and IB's unset spellings read as absent.
    mutating func decimal(_ value: inout TWSDecimal?, _ name: StaticString) throws
    /// A placeholder field: written as `text`, skipped when read.
    mutating func placeholder(_ text: StaticString, _ name: StaticString) throws
    /// An order condition's connector: `a` (and) is true, `o` (or) is false.
    mutating func conjunction(_ value: inout Bool, _ name: StaticString) throws
    /// A nested object (JSON groups its fields under `name`).
    mutating func nested(_ name: StaticString, _ body: (inout Self) throws -> Void) throws
    /// A counted list: the count field, then each element's layout.
    mutating func list<Element>(
        _ values: inout [Element], _ name: StaticString, makeElement: () -> Element,
        _ body: (inout Element, inout Self) throws -> Void
    ) throws
}

extension TWSCoder {
    /// True when values flow from bytes into the struct.
    public var isDecoding: Bool { direction == .decode }

    /// A double that IB marks "not computed" with `sentinel` (-1 or -2) in tickOptionComputation:
    /// read as nil, written back as the sentinel, rendered as null. `negativeIsAbsent` treats any
    /// negative value as absent (IB's rule for implied volatility).
    public mutating func sentinelDouble(
        _ value: inout Double?, _ name: StaticString, sentinel: Double, negativeIsAbsent: Bool = false
    ) throws {
        var raw: Double? = value
        if direction == .encode && raw == nil { raw = sentinel }
        try double(&raw, name, unset: .sentinel)
        if direction == .decode {
            if let v = raw, v == sentinel || (negativeIsAbsent && v < 0) || v.isNaN {
                value = nil
            } else {
                value = raw
            }
        }
    }

    /// A double whose empty form is 0 and absence is the sentinel (IB's plain double).
    public mutating func double(_ value: inout Double?, _ name: StaticString) throws {
        try double(&value, name, unset: .sentinel)
    }

    /// A non-optional double; the unset sentinel reads as 0 is not allowed here, so it stays absent-free.
    public mutating func double(_ value: inout Double, _ name: StaticString) throws {
        var optional: Double? = value
        try double(&optional, name, unset: .sentinel)
        value = optional ?? 0
    }

    /// A field whose value is known in advance (e.g. a VERSION constant): written, read and ignored.
    public mutating func version(_ value: Int, _ name: StaticString = "_version") throws {
        var v = value
        try int(&v, name)
    }
}
