import Foundation

/// Hash-based noise: the value for (seed, stream, index) is fixed, so the market at a time is a pure
/// function of the seed and the time, whatever was asked before.
enum DeterministicNoise {
    /// SplitMix64 finaliser.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hash(_ seed: UInt64, _ stream: UInt64, _ index: Int64) -> UInt64 {
        mix(mix(seed ^ mix(stream)) ^ UInt64(bitPattern: index))
    }

    /// Uniform in (0, 1).
    static func uniform(_ seed: UInt64, _ stream: UInt64, _ index: Int64) -> Double {
        (Double(hash(seed, stream, index) >> 11) + 0.5) / Double(1 << 53)
    }

    /// Standard normal (Box-Muller on two independent uniforms).
    static func normal(_ seed: UInt64, _ stream: UInt64, _ index: Int64) -> Double {
        let u1 = uniform(seed, stream, index &* 2)
        let u2 = uniform(seed, stream, index &* 2 &+ 1)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A stable stream id for a name.
    static func stream(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        return h
    }
}

/// A seeded generator (SplitMix64) for the rare sequential needs of the simulator.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return DeterministicNoise.mix(state &- 0x9E37_79B9_7F4A_7C15)
    }
}
