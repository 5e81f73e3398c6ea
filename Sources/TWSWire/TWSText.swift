/// Python `unicode-escape` as IB uses it for error strings and long names (server version 153+).
public enum TWSText {
    /// Decodes `\uXXXX`, `\UXXXXXXXX`, `\xXX`, `\n`, `\t`, `\r`, `\\` escapes; anything else is kept.
    public static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let first = scalars.popFirst() {
            guard first == "\\", let kind = scalars.first else {
                out.append(first)
                continue
            }
            func hex(_ n: Int) -> Unicode.Scalar? {
                let digits = scalars.dropFirst().prefix(n)
                guard digits.count == n, let v = UInt32(String(String.UnicodeScalarView(digits)), radix: 16) else {
                    return nil
                }
                return Unicode.Scalar(v)
            }
            switch kind {
            case "u", "U", "x":
                let n = kind == "u" ? 4 : kind == "U" ? 8 : 2
                if let scalar = hex(n) {
                    out.append(scalar)
                    scalars = scalars.dropFirst(n + 1)
                } else {
                    out.append(first)
                }
            case "n": out.append("\n"); scalars = scalars.dropFirst()
            case "t": out.append("\t"); scalars = scalars.dropFirst()
            case "r": out.append("\r"); scalars = scalars.dropFirst()
            case "\\": out.append("\\"); scalars = scalars.dropFirst()
            default: out.append(first)
            }
        }
        return String(out)
    }

    /// The inverse of `unescape` for what we send: backslashes doubled, non-ASCII as `\uXXXX`.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || !$0.isASCII }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else if scalar.value <= 0xFFFF {
                let h = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                let h = String(scalar.value, radix: 16)
                out += "\\U" + String(repeating: "0", count: 8 - h.count) + h
            }
        }
        return out
    }
}
