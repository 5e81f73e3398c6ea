import Foundation
import NIOCore
import Testing

@testable import TWSWire

/// Every real captured frame decodes to what IB's official decoder made of it.
@Suite struct CapturedFrameTests {
    @Test func fixturesArePresent() {
        #expect(CapturedFrame.all.count == 50)
        #expect(CapturedFrame.all.allSatisfy { $0.officialDecode != nil })
    }

    @Test(arguments: CapturedFrame.all)
    func decodesLikeTheOfficialDecoder(_ frame: CapturedFrame) throws {
        let message = try TWSServerMessage.decode(payload: frame.buffer, serverVersion: frame.serverVersion)
        if case .unhandled(let id, _) = message {
            Issue.record("message id \(id) decoded as unhandled")
        }
        let ours = message.callbacks(serverVersion: frame.serverVersion)
        var position = 0
        for expected in frame.callbacks {
            let name = try #require(expected["callback"]?.string)
            guard case .object(let args)? = expected["args"] else {
                Issue.record("fixture without args")
                return
            }
            while position < ours.count, ours[position]["message"] != .string(name) { position += 1 }
            guard position < ours.count else {
                Issue.record("callback \(name) missing from \(ours.map { $0["message"] })")
                return
            }
            for (key, value) in args {
                let mismatch = OfficialComparison.mismatch(expected: value, actual: ours[position][key], path: key)
                #expect(mismatch == nil, "\(frame.name): \(mismatch ?? "")")
            }
            position += 1
        }
    }

    @Test(arguments: CapturedFrame.all)
    func consumesExactlyTheFieldsTheOfficialDecoderConsumes(_ frame: CapturedFrame) throws {
        let official = try #require(frame.officialDecode, "\(frame.name) has no official_decode")
        let (afterId, left) = try frame.payload.withUnsafeBytes { bytes in
            var reader = TWSFieldReader(bytes: bytes, serverVersion: frame.serverVersion)
            let afterId = reader.remainingFieldCount - 1
            _ = try TWSServerMessage.decode(from: &reader)
            return (afterId, reader.remainingFieldCount)
        }
        #expect(afterId == official.fieldsAfterMessageId, "\(frame.name): fields after the message id")
        #expect(afterId - left == official.fieldsConsumed, "\(frame.name): fields consumed")
        #expect(left == official.leftoverFields.count, "\(frame.name): fields left over")
    }

    @Test(arguments: CapturedFrame.all)
    func reencodingDecodesToTheSameValue(_ frame: CapturedFrame) throws {
        let message = try TWSServerMessage.decode(payload: frame.buffer, serverVersion: frame.serverVersion)
        var encoded = try message.encoded(serverVersion: frame.serverVersion)
        var decoder = TWSFrameDecoder()
        let payload = try #require(try decoder.decode(buffer: &encoded))
        let again = try TWSServerMessage.decode(payload: payload, serverVersion: frame.serverVersion)
        #expect(again == message)
    }

    @Test func typedValuesOfATick() throws {
        let frame = try #require(CapturedFrame.all.first { $0.name == "tickOptionComputation_calc_option_price" })
        guard
            case .tickOptionComputation(let t) = try TWSServerMessage.decode(payload: frame.buffer, serverVersion: 200)
        else {
            Issue.record("wrong message")
            return
        }
        #expect(t.reqId == 6)
        #expect(t.impliedVol == 0.3)
        #expect(t.pvDividend == nil)  // -1 on the wire: not computed
        #expect(t.undPrice == 293.23)
    }

    @Test func sentinelsAreAbsentNotNumbers() throws {
        var m = TWSTickOptionComputation()
        m.reqId = 7
        m.tickType = 13
        var bytes = try TWSServerMessage.tickOptionComputation(m).encoded(serverVersion: 178)
        var decoder = TWSFrameDecoder()
        let payload = try #require(try decoder.decode(buffer: &bytes))
        let text = String(decoding: payload.readableBytesView, as: UTF8.self)
        #expect(text.contains("-2.0\0"))  // greeks go out as IB's -2 sentinel
        guard case .tickOptionComputation(let back) = try TWSServerMessage.decode(payload: payload, serverVersion: 178)
        else { return }
        #expect(back.delta == nil && back.impliedVol == nil && back.undPrice == nil && back.gamma == nil)
    }

    @Test func unknownMessageKeepsItsFields() throws {
        let payload = ByteBuffer(bytes: Array("999\u{0}1\u{0}abc\u{0}".utf8))
        let message = try TWSServerMessage.decode(payload: payload, serverVersion: 178)
        #expect(message == .unhandled(id: 999, fields: ["1", "abc"]))
    }

    @Test func trailingFieldsAreAccepted() throws {
        let payload = ByteBuffer(bytes: Array("9\u{0}1\u{0}42\u{0}extra\u{0}more\u{0}".utf8))
        #expect(try TWSServerMessage.decode(payload: payload, serverVersion: 178) == .nextValidId(.init(orderId: 42)))
    }

    @Test func malformedFieldsThrowClearErrors() {
        let payload = ByteBuffer(bytes: Array("9\u{0}1\u{0}forty\u{0}".utf8))
        #expect(throws: TWSWireError.self) { try TWSServerMessage.decode(payload: payload, serverVersion: 178) }
        let short = ByteBuffer(bytes: Array("1\u{0}6\u{0}".utf8))
        do {
            _ = try TWSServerMessage.decode(payload: short, serverVersion: 178)
            Issue.record("a truncated tickPrice decoded")
        } catch let error as TWSWireError {
            #expect(error.code == .missingField)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
