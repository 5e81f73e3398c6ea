import Foundation
import NIOCore
import Testing

@testable import TWSWire

/// A fixture JSON value, decoded strictly (booleans are never numbers).
enum FixtureJSON: Decodable, Sendable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([FixtureJSON]), object([String: FixtureJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([FixtureJSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: FixtureJSON].self))
        }
    }

    subscript(key: String) -> FixtureJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "\(d)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "\(a)"
        case .object(let o): "\(o)"
        }
    }
}

/// A real captured frame with the official decoder's callbacks.
struct CapturedFrame: CustomTestStringConvertible, Sendable, Decodable {
    let name: String
    let serverVersion: Int
    let frame: String
    let callbacks: [FixtureJSON]
    /// How many fields IB's official decoder found and read.
    let officialDecode: OfficialDecode?

    /// The `official_decode` object: fields after the message id, how many were read, what was left.
    struct OfficialDecode: Sendable, Decodable {
        let fieldsAfterMessageId: Int
        let fieldsConsumed: Int
        let leftoverFields: [String]

        enum CodingKeys: String, CodingKey {
            case fieldsAfterMessageId = "fields_after_msg_id"
            case fieldsConsumed = "fields_consumed"
            case leftoverFields = "leftover_fields"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, frame, callbacks
        case serverVersion = "server_version"
        case officialDecode = "official_decode"
    }

    var testDescription: String { name }

    /// Each code point of the fixture string is one byte (latin-1).
    var payload: [UInt8] { frame.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }

    static let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let all: [CapturedFrame] = {
        let url = fixturesDirectory.appendingPathComponent("frames.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            try? JSONDecoder().decode(CapturedFrame.self, from: Data(line.utf8))
        }
    }()

    var buffer: ByteBuffer { ByteBuffer(bytes: payload) }
}

/// The comparison rules of `check_decoder.py`: numbers with relative tolerance 1e-9, expected null
/// accepts null or an unset sentinel, objects check only expected keys, decimals compare as numbers.
enum OfficialComparison {
    static let unsetStrings: Set<String> = [
        "", "1.7976931348623157E308", "1.7976931348623157e+308", "2147483647", "9223372036854775807",
        "-9223372036854775808",
    ]

    static func mismatch(expected: FixtureJSON, actual: TWSJSONValue?, path: String) -> String? {
        switch expected {
        case .null:
            switch actual {
            case nil, .null?: return nil
            case .string(let s)? where unsetStrings.contains(s): return nil
            default: return "\(path): expected null, got \(String(describing: actual))"
            }
        case .object(let object):
            guard case .object? = actual else {
                if actual == nil || actual == .null,
                    object.values.allSatisfy({ if case .null = $0 { true } else { false } })
                {
                    return nil
                }
                return "\(path): expected object, got \(String(describing: actual))"
            }
            for (key, value) in object {
                if let m = mismatch(expected: value, actual: actual?[key], path: path + "." + key) { return m }
            }
            return nil
        case .array(let list):
            guard case .array(let items)? = actual, items.count == list.count else {
                return "\(path): expected list of \(list.count), got \(String(describing: actual))"
            }
            for (i, pair) in zip(list, items).enumerated() {
                if let m = mismatch(expected: pair.0, actual: pair.1, path: "\(path)[\(i)]") { return m }
            }
            return nil
        case .bool(let b):
            if case .bool(let a)? = actual, a == b { return nil }
            return "\(path): expected \(b), got \(String(describing: actual))"
        case .number(let e):
            let a: Double?
            switch actual {
            case .int(let i)?: a = Double(i)
            case .double(let d)?: a = d
            case .string(let s)?: a = Double(s)
            default: a = nil
            }
            guard let a, a == e || abs(a - e) <= 1e-9 * max(abs(a), abs(e)) else {
                return "\(path): expected \(e), got \(String(describing: actual))"
            }
            return nil
        case .string(let text):
            if text.isEmpty || unsetStrings.contains(text), actual == nil || actual == .null { return nil }
            switch actual {
            case .string(let s)? where s == text: return nil
            case .string(let s)? where Double(s) != nil && Double(s) == Double(text): return nil
            case .int(let i)? where Double(text) == Double(i): return nil
            case .double(let d)? where Double(text) == d: return nil
            default: return "\(path): expected \"\(text)\", got \(String(describing: actual))"
            }
        }
    }
}
