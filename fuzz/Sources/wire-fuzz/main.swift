import NIOCore
import TWSWire

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input: byte 0 picks the server version (157-200); the rest is a byte stream framed and
/// decoded in both directions. Errors are expected; crashes, hangs and leaks are what libFuzzer finds.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let data, count > 0 else { return 0 }
    let version = 157 + Int(data[0]) % 44
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data + 1, count: count - 1))
    var framer = TWSFrameDecoder()
    do {
        while let frame = try framer.decode(buffer: &buffer) {
            _ = try? TWSServerMessage.decode(payload: frame, serverVersion: version)
            _ = try? TWSRequest.decode(payload: frame, serverVersion: version)
        }
        _ = try framer.decodeLast(buffer: &buffer, seenEOF: true)
    } catch {}
    return 0
}

/// SwiftPM links executables against `<module>_main`; hand control to libFuzzer's driver.
@_cdecl("wire_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return runDriver(&c, &v) { data, count in testOneInput(data, count) }
}
