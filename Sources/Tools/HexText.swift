/// Hex text to bytes, ignoring whitespace and an optional 0x prefix.
enum HexText {
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var digits = text.filter { !($0 == 32 || $0 == 10 || $0 == 13 || $0 == 9) }
        if digits.starts(with: Array("0x".utf8)) { digits.removeFirst(2) }
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let h = nibble(digits[i]), let l = nibble(digits[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
