import Foundation
import NIOCore
import Testing

@testable import TWSWire

/// Our request bytes equal, byte for byte, what IB's official client writes (fields_sv178/200.txt).
@Suite struct RequestEncodingTests {
    /// `label -> bytes` from a fields file's OUTGOING section.
    static func officialBytes(version: Int) throws -> [String: [UInt8]] {
        let url = CapturedFrame.fixturesDirectory.appendingPathComponent("fields_sv\(version).txt")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        var result: [String: [UInt8]] = [:]
        var label: String?
        for line in lines {
            if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("#"),
                line.contains(" => ")
            {
                label = String(line[..<colon])
            } else if line.hasPrefix("    bytes: b'"), let label {
                let literal = line.dropFirst("    bytes: b'".count).dropLast()
                result[label] = pythonBytes(String(literal))
            }
        }
        return result
    }

    /// Decodes the body of a Python bytes literal.
    static func pythonBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8)[...]
        while let c = chars.popFirst() {
            guard c == UInt8(ascii: "\\"), let kind = chars.popFirst() else {
                out.append(c)
                continue
            }
            switch kind {
            case UInt8(ascii: "x"):
                let hex = String(decoding: chars.prefix(2), as: UTF8.self)
                out.append(UInt8(hex, radix: 16) ?? 0)
                chars = chars.dropFirst(2)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            default: out.append(kind)
            }
        }
        return out
    }

    static let option = TWSContract(
        conId: 765_432_101, symbol: "SPY", secType: "OPT", lastTradeDateOrContractMonth: "20260116", strike: 590.0,
        right: "C", multiplier: "100", exchange: "SMART", currency: "USD")

    static func requests() -> [String: TWSRequest] {
        var historical = TWSReqHistoricalData()
        historical.reqId = 15
        historical.contract = TWSContract(symbol: "SPY", secType: "STK", exchange: "SMART", currency: "USD")
        historical.durationStr = "200 D"
        var summary = TWSReqAccountSummary()
        summary.reqId = 16
        summary.tags = "NetLiquidation,BuyingPower,TotalCashValue"
        var executions = TWSReqExecutions()
        executions.reqId = 17
        var order = TWSOrder()
        order.action = "BUY"
        order.totalQuantity = 1
        order.orderType = "LMT"
        order.lmtPrice = 12.25
        order.tif = "DAY"
        order.account = "DU1234567"
        order.orderRef = "orch-1"
        return [
            "START_API": .startApi(TWSStartAPI(clientId: 1)),
            "REQ_IDS": .reqIds(TWSReqIds()),
            "REQ_MANAGED_ACCTS": .reqManagedAccts,
            "REQ_MARKET_DATA_TYPE": .reqMarketDataType(TWSReqMarketDataType(marketDataType: 3)),
            "REQ_SEC_DEF_OPT_PARAMS": .reqSecDefOptParams(
                TWSReqSecDefOptParams(
                    reqId: 11, underlyingSymbol: "SPY", underlyingSecType: "STK", underlyingConId: 756_733)),
            "REQ_CONTRACT_DATA": .reqContractDetails(TWSReqContractDetails(reqId: 12, contract: option)),
            "REQ_MKT_DATA (snapshot)": .reqMktData(TWSReqMktData(reqId: 13, contract: option, snapshot: true)),
            "REQ_MKT_DATA (stream, generic 100,101,104,106)": .reqMktData(
                TWSReqMktData(reqId: 14, contract: option, genericTickList: "100,101,104,106", snapshot: false)),
            "CANCEL_MKT_DATA": .cancelMktData(reqId: 14),
            "REQ_HISTORICAL_DATA": .reqHistoricalData(historical),
            "CANCEL_HISTORICAL_DATA": .cancelHistoricalData(reqId: 15),
            "REQ_ACCOUNT_SUMMARY": .reqAccountSummary(summary),
            "CANCEL_ACCOUNT_SUMMARY": .cancelAccountSummary(reqId: 16),
            "REQ_POSITIONS": .reqPositions,
            "CANCEL_POSITIONS": .cancelPositions,
            "REQ_OPEN_ORDERS": .reqOpenOrders,
            "REQ_ALL_OPEN_ORDERS": .reqAllOpenOrders,
            "REQ_EXECUTIONS": .reqExecutions(executions),
            "REQ_CURRENT_TIME": .reqCurrentTime,
            "PLACE_ORDER (LMT BUY 1 SPY OPT)": .placeOrder(TWSPlaceOrder(orderId: 1, contract: option, order: order)),
            "CANCEL_ORDER": .cancelOrder(TWSCancelOrder(orderId: 1)),
            "REQ_GLOBAL_CANCEL": .reqGlobalCancel(TWSReqGlobalCancel()),
        ]
    }

    @Test(arguments: [178, 200])
    func everyRequestMatchesTheOfficialBytes(version: Int) throws {
        let official = try Self.officialBytes(version: version)
        let ours = Self.requests()
        #expect(Set(official.keys) == Set(ours.keys), "requests listed in fields_sv\(version).txt")
        for (label, request) in ours {
            let expected = try #require(official[label], "\(label) missing from the fields file")
            let bytes = Array(try request.encoded(serverVersion: version).readableBytesView)
            #expect(
                bytes == expected, "\(label) at \(version): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    @Test(arguments: [178, 200])
    func officialBytesDecodeBackToTheRequest(version: Int) throws {
        let official = try Self.officialBytes(version: version)
        for (label, request) in Self.requests() {
            var buffer = ByteBuffer(bytes: try #require(official[label]))
            var frames = TWSFrameDecoder()
            let payload = try #require(try frames.decode(buffer: &buffer))
            #expect(try TWSRequest.decode(payload: payload, serverVersion: version) == request, "\(label)")
        }
    }

    @Test func comboOrderCarriesItsLegs() throws {
        var contract = TWSContract(symbol: "SPY", secType: "BAG", exchange: "SMART", currency: "USD")
        contract.comboLegs = [
            TWSComboLeg(conId: 1001, ratio: 1, action: "SELL"), TWSComboLeg(conId: 1002, ratio: 1, action: "BUY"),
        ]
        var order = TWSOrder()
        order.action = "BUY"
        order.totalQuantity = 2
        order.orderType = "LMT"
        order.lmtPrice = -1.25  // a credit: negative limit on a BUY combo
        order.orderRef = "pt-SPY-1"
        let request = TWSRequest.placeOrder(TWSPlaceOrder(orderId: 9, contract: contract, order: order))
        for version in [157, 170, 178, 187, 189, 193, 199, 200] {
            var bytes = try request.encoded(serverVersion: version)
            var frames = TWSFrameDecoder()
            let payload = try #require(try frames.decode(buffer: &bytes))
            let text = String(decoding: payload.readableBytesView, as: UTF8.self)
            #expect(text.contains("BAG\0"))
            #expect(text.contains("2\u{0}1001\u{0}1\u{0}SELL\u{0}SMART\u{0}0\u{0}0\u{0}\u{0}-1\u{0}1002\u{0}"))
            #expect(try TWSRequest.decode(payload: payload, serverVersion: version) == request)
        }
    }
}

/// Error messages keep the official decoder's shape at every version.
@Suite struct ErrorMessageRenderingTests {
    @Test func anErrorFromAServerBefore194StillCarriesErrorTimeZero() {
        let old = TWSErrorMessage(reqId: 7, errorCode: 200, errorString: "No security definition")
        guard case .object(let fields) = old.renderedFields(serverVersion: 178).object else {
            Issue.record("not an object")
            return
        }
        #expect(fields.first { $0.0 == "errorTime" }?.1 == .int(0))
        let new = TWSErrorMessage(reqId: 7, errorCode: 200, errorString: "x", errorTime: 1_772_638_200_000)
        guard case .object(let newFields) = new.renderedFields(serverVersion: 200).object else {
            Issue.record("not an object")
            return
        }
        #expect(newFields.first { $0.0 == "errorTime" }?.1 == .int(1_772_638_200_000))
    }
}
