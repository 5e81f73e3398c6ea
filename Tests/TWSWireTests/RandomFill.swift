import NIOCore
import Testing

@testable import TWSWire

/// A deterministic PRNG for property tests (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fills a layout with random valid values by running it in the decode direction: conditional
/// fields (delta-neutral block, combo legs, scale fields, version gates) follow the drawn values,
/// exactly as they would when decoding.
struct RandomFillCoder: TWSCoder {
    var rng: SeededRandom
    let serverVersion: Int
    var direction: TWSCoderDirection { .decode }

    init(seed: UInt64, serverVersion: Int) {
        rng = SeededRandom(seed: seed)
        self.serverVersion = serverVersion
    }

    mutating func word() -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:/_")
        let length = Int.random(in: 0...8, using: &rng)
        return String((0..<length).map { _ in letters.randomElement(using: &rng)! })
    }

    mutating func string(_ value: inout String, _ name: StaticString) throws {
        switch name.description {
        case "order.orderType": value = ["LMT", "MKT", "PEG BENCH", "STP", "REL"].randomElement(using: &rng)!
        case "contract.secType": value = ["STK", "OPT", "BAG", "IND", "FUND"].randomElement(using: &rng)!
        default: value = Bool.random(using: &rng) ? "" : word()
        }
    }

    mutating func escapedString(_ value: inout String, _ name: StaticString) throws {
        value = word() + ["", "é", "\\", "€ 5", "日本"].randomElement(using: &rng)!
    }

    mutating func int(_ value: inout Int, _ name: StaticString) throws {
        value =
            name.description == "condType"
            ? [1, 3, 4, 5, 6, 7].randomElement(using: &rng)! : Int.random(in: -5...100_000, using: &rng)
    }

    mutating func int(_ value: inout Int?, _ name: StaticString, unset: TWSUnset) throws {
        value = Bool.random(using: &rng) ? nil : Int.random(in: 0...50_000, using: &rng)
    }

    mutating func double(_ value: inout Double?, _ name: StaticString, unset: TWSUnset) throws {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: value = nil
        case 1: value = Double(Int.random(in: -500...500, using: &rng)) / 4
        case 2: value = Double.random(in: -1e6...1e6, using: &rng)
        default: value = Double.random(in: 1e-7...1e-2, using: &rng)
        }
    }

    mutating func bool(_ value: inout Bool, _ name: StaticString) throws {
        value = Bool.random(using: &rng)
    }

    mutating func conjunction(_ value: inout Bool, _ name: StaticString) throws {
        value = Bool.random(using: &rng)
    }

    mutating func decimal(_ value: inout TWSDecimal?, _ name: StaticString) throws {
        value =
            Bool.random(using: &rng)
            ? nil
            : TWSDecimal(
                mantissa: Int64.random(in: -1_000_000...1_000_000, using: &rng),
                scale: Int8.random(in: 0...4, using: &rng))
    }

    mutating func placeholder(_ text: StaticString, _ name: StaticString) throws {}

    mutating func nested(_ name: StaticString, _ body: (inout RandomFillCoder) throws -> Void) throws {
        try body(&self)
    }

    mutating func list<Element>(
        _ values: inout [Element], _ name: StaticString, makeElement: () -> Element,
        _ body: (inout Element, inout RandomFillCoder) throws -> Void
    ) throws {
        let count = Int.random(in: 0...3, using: &rng)
        values = []
        for _ in 0..<count {
            var element = makeElement()
            try body(&element, &self)
            values.append(element)
        }
    }

    /// A random instance of a layout.
    static func make<L: TWSMessageLayout>(_ type: L.Type, seed: UInt64, serverVersion: Int) throws -> L {
        var coder = RandomFillCoder(seed: seed, serverVersion: serverVersion)
        var value = L()
        try value.code(&coder)
        return value
    }
}
