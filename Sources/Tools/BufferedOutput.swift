import Foundation

/// Lines for stdout, written in blocks of about 64 KiB rather than one write per line.
struct BufferedOutput {
    var pending: [UInt8] = []

    mutating func append(_ line: String) {
        pending.append(contentsOf: line.utf8)
        if pending.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
