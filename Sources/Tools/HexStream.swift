import NIOCore

/// Hex text to bytes chunk by chunk, with `HexText`'s rules: whitespace ignored, an optional 0x
/// before the first digit, an even number of digits.
struct HexStream {
    /// The first digit when it was a 0 that may begin "0x".
    var heldZero = false
    var sawFirstDigit = false
    var high: UInt8?

    /// Appends the bytes of `text` to `out`; false at the first character that is not a hex digit.
    mutating func feed(_ text: ArraySlice<UInt8>, into out: inout ByteBuffer) -> Bool {
        for c in text where !(c == 32 || c == 10 || c == 13 || c == 9) {
            if !sawFirstDigit {
                sawFirstDigit = true
                if c == UInt8(ascii: "0") {
                    heldZero = true
                    continue
                }
            } else if heldZero {
                heldZero = false
                if c == UInt8(ascii: "x") { continue }
                guard digit(UInt8(ascii: "0"), into: &out) else { return false }
            }
            guard digit(c, into: &out) else { return false }
        }
        return true
    }

    /// At the end: false if a digit is left without its pair.
    mutating func finish(into out: inout ByteBuffer) -> Bool {
        if heldZero {
            heldZero = false
            guard digit(UInt8(ascii: "0"), into: &out) else { return false }
        }
        return high == nil
    }

    mutating func digit(_ c: UInt8, into out: inout ByteBuffer) -> Bool {
        guard let value = HexText.nibble(c) else { return false }
        if let h = high {
            out.writeInteger(h << 4 | value)
            high = nil
        } else {
            high = value
        }
        return true
    }
}
