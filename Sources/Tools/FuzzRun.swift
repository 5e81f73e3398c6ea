import AppConfig
import Foundation
import NIOCore
import TWSWire

/// The fuzz driver of `papertrader bench fuzz`: the frame decoder, the message decoders (both
/// directions) and the YAML config loader under seeded random and mutated inputs, seeded with real
/// captured frames. Any crash stops the process (that is the failure); every input must end in a
/// value or a typed error.
public struct FuzzRun: Sendable {
    /// Frames to decode.
    public var iterations = 1_000_000
    /// Mutated configurations to load.
    public var configs = 10_000
    /// Random seed (runs are reproducible).
    public var seed: UInt64 = 1
    /// Captured frames (JSON lines with a `frame` field).
    public var corpus = "../shared/fixtures/tws/frames.jsonl"
    /// Configuration to mutate.
    public var config = "paper_trading.yaml"

    /// A run with the defaults above.
    public init() {}

    /// Runs both halves and returns the report's lines.
    public func run() throws -> [String] {
        var rng = SplitMix(seed: seed)
        let seeds = try loadCorpus()
        guard !seeds.isEmpty else { throw ToolError("no frames in \(corpus)") }
        let started = ContinuousClock.now
        var decoded = 0
        var rejected = 0
        var longest = Duration.zero
        for i in 0..<iterations {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            Self.mutate(&bytes, &rng, iteration: i)
            let one = ContinuousClock.now
            var buffer = ByteBuffer(bytes: bytes)
            var framer = TWSFrameDecoder()
            do {
                while let frame = try framer.decode(buffer: &buffer) {
                    let version = 157 + Int(rng.next() % 44)
                    // A typed decode error is the expected outcome for most mutations: counted, not thrown.
                    if (try? TWSServerMessage.decode(payload: frame, serverVersion: version)) != nil {
                        decoded += 1
                    } else {
                        rejected += 1
                    }
                    _ = try? TWSRequest.decode(payload: frame, serverVersion: version)
                }
                _ = try framer.decodeLast(buffer: &buffer, seenEOF: true)
            } catch {
                rejected += 1
            }
            longest = max(longest, ContinuousClock.now - one)
        }
        let frameTime = ContinuousClock.now - started
        var configErrors = 0
        var configOK = 0
        // An unreadable configuration fuzzes the empty text (still a valid run of the loader).
        let yaml = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        let configStart = ContinuousClock.now
        for _ in 0..<configs {
            var text = Array(yaml.utf8)
            Self.mutate(&text, &rng, iteration: Int(rng.next() % 1000))
            if let problem = Self.loadProblem(String(decoding: text, as: UTF8.self)) {
                guard problem.isClear else { throw ToolError("unclear config error: \(problem.text)") }
                configErrors += 1
            } else {
                configOK += 1
            }
        }
        let configTime = ContinuousClock.now - configStart
        return [
            "frames: \(iterations) inputs from \(seeds.count) captured frames, seed \(seed)",
            "  decoded \(decoded) messages, \(rejected) typed errors, 0 crashes",
            String(
                format: "  %.1f s, %.0f inputs/s, slowest input %.3f ms", seconds(frameTime),
                Double(iterations) / seconds(frameTime), seconds(longest) * 1000),
            "configs: \(configs) mutations of \(config): \(configOK) loaded, \(configErrors) rejected with file:line errors",
            String(format: "  %.1f s", seconds(configTime)),
            "peak resident memory: \(Self.peakRSSKiB() / 1024) MiB",
        ]
    }

    /// nil when the text loads; otherwise whether every issue names its source and says what is wrong.
    static func loadProblem(_ text: String) -> (isClear: Bool, text: String)? {
        let result = Result { () throws(ConfigErrors) -> LoadedConfig in
            try ConfigLoader.load(text: text, source: "fuzz.yaml")
        }
        guard case .failure(let errors) = result else { return nil }
        let clear =
            !errors.issues.isEmpty && errors.issues.allSatisfy { !$0.message.isEmpty && $0.source == "fuzz.yaml" }
        return (clear, errors.description)
    }

    func loadCorpus() throws -> [[UInt8]] {
        let text = try String(contentsOfFile: corpus, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> [UInt8]? in
            // Lines that are not a JSON object with a `frame` (comments, other records) are skipped.
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let frame = object["frame"] as? String
            else { return nil }
            let payload = Array(frame.utf8)
            let n = UInt32(payload.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
        }
    }

    /// Flips, inserts, deletes, duplicates, truncates, or replaces a field with an extreme value;
    /// every 16th input is pure noise.
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix, iteration: Int) {
        if iteration % 16 == 15 {
            bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return
        }
        let extremes = ["", "-1", "1.7976931348623157E308", "9223372036854775808", "nan", "inf", "\u{7F}", "0x10"]
        for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 7 {
            case 0: bytes[at] ^= UInt8(1 << (rng.next() % 8))
            case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes.removeSubrange(at...)
            case 4: bytes.insert(0, at: at)
            case 5: bytes.append(contentsOf: bytes[at...].prefix(32))
            default:
                let value = Array(extremes[Int(rng.next() % UInt64(extremes.count))].utf8)
                let end = bytes[at...].firstIndex(of: 0) ?? bytes.endIndex
                bytes.replaceSubrange(at..<end, with: value)
            }
        }
    }

    static func peakRSSKiB() -> Int {
        // Not Linux (no /proc): the figure is reported as 0 rather than failing the run.
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}

/// A small fast seeded generator (reproducible runs).
struct SplitMix {
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

/// Seconds of a duration as a Double, for the reports' figures.
func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
