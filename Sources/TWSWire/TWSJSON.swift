/// A minimal ordered JSON value for `wire decode` output: keys keep the order of the wire layout.
public indirect enum TWSJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([TWSJSONValue])
    case object([(String, TWSJSONValue)])

    public static func == (lhs: TWSJSONValue, rhs: TWSJSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value under `key` of an object.
    public subscript(key: String) -> TWSJSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first(where: { $0.0 == key })?.1
    }

    /// Compact JSON text.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN {
                out += "\"NaN\""
            } else if d.isInfinite {
                out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""
            } else {
                out += d.description
            }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += ", " }
                Self.writeString(pair.0, to: &out)
                out += ": "
                pair.1.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Renders a layout's fields as JSON under their official names; dotted names nest
/// (`contract.conId` -> `{"contract": {"conId": ...}}`), `_`-prefixed names are left out.
public struct TWSJSONCoder: TWSCoder {
    public let serverVersion: Int
    public var direction: TWSCoderDirection { .render }
    /// The fields rendered so far.
    public private(set) var fields: [(String, TWSJSONValue)] = []

    /// A renderer for layouts at `serverVersion`.
    public init(serverVersion: Int) {
        self.serverVersion = serverVersion
    }

    /// The rendered fields as a nested object.
    public var object: TWSJSONValue { Self.nest(fields) }

    mutating func add(_ name: StaticString, _ value: TWSJSONValue) {
        let key = name.description
        if key.hasPrefix("_") { return }
        fields.append((key, value))
    }

    static func nest(_ flat: [(String, TWSJSONValue)]) -> TWSJSONValue {
        var order: [String] = []
        var leaves: [String: TWSJSONValue] = [:]
        var groups: [String: [(String, TWSJSONValue)]] = [:]
        for (key, value) in flat {
            if let dot = key.firstIndex(of: ".") {
                let head = String(key[..<dot])
                let tail = String(key[key.index(after: dot)...])
                if groups[head] == nil && leaves[head] == nil { order.append(head) }
                groups[head, default: []].append((tail, value))
            } else {
                if groups[key] == nil && leaves[key] == nil { order.append(key) }
                leaves[key] = value
            }
        }
        return .object(
            order.map { key in
                if let group = groups[key] { return (key, nest(group)) }
                return (key, leaves[key] ?? .null)
            })
    }

    // MARK: TWSCoder

    public mutating func string(_ value: inout String, _ name: StaticString) throws {
        add(name, .string(value))
    }

    public mutating func escapedString(_ value: inout String, _ name: StaticString) throws {
        add(name, .string(value))
    }

    public mutating func int(_ value: inout Int, _ name: StaticString) throws {
        add(name, .int(value))
    }

    public mutating func int(_ value: inout Int?, _ name: StaticString, unset: TWSUnset) throws {
        add(name, value.map(TWSJSONValue.int) ?? .null)
    }

    public mutating func double(_ value: inout Double?, _ name: StaticString, unset: TWSUnset) throws {
        add(name, value.map(TWSJSONValue.double) ?? .null)
    }

    public mutating func bool(_ value: inout Bool, _ name: StaticString) throws {
        add(name, .bool(value))
    }

    public mutating func decimal(_ value: inout TWSDecimal?, _ name: StaticString) throws {
        add(name, value.map { .string($0.description) } ?? .null)
    }

    public mutating func conjunction(_ value: inout Bool, _ name: StaticString) throws {
        add(name, .bool(value))
    }

    public mutating func placeholder(_ text: StaticString, _ name: StaticString) throws {}

    public mutating func nested(_ name: StaticString, _ body: (inout TWSJSONCoder) throws -> Void) throws {
        var inner = TWSJSONCoder(serverVersion: serverVersion)
        try body(&inner)
        let prefix = name.description
        for (key, value) in inner.fields {
            fields.append((prefix + "." + key, value))
        }
    }

    public mutating func list<Element>(
        _ values: inout [Element], _ name: StaticString, makeElement: () -> Element,
        _ body: (inout Element, inout TWSJSONCoder) throws -> Void
    ) throws {
        var items: [TWSJSONValue] = []
        for i in values.indices {
            var inner = TWSJSONCoder(serverVersion: serverVersion)
            try body(&values[i], &inner)
            // An element coded under the name "$" is a bare value (strikes, expirations), not an object.
            if inner.fields.count == 1, inner.fields[0].0 == "$" {
                items.append(inner.fields[0].1)
            } else {
                items.append(inner.object)
            }
        }
        add(name, .array(items))
    }

    /// Adds a value computed outside the layout (e.g. a derived callback argument).
    public mutating func set(_ key: String, _ value: TWSJSONValue) {
        fields.append((key, value))
    }
}
