import Foundation
import NIOCore
import TWSWire

/// The decode benchmark of `papertrader bench wire`: throughput of the TWS decoder on a market-data mix.
public struct WireBench: Sendable {
    /// Messages in the stream.
    public var messages = 2_000_000
    /// Decode passes over the stream (best is reported).
    public var passes = 3
    /// Write the stream to this file (for decoding the same bytes with other decoders) instead of decoding it.
    public var writeStream: String?
    /// One JSON object instead of a table.
    public var json = false

    /// A run with the defaults above.
    public init() {}

    /// Runs the benchmark (or only writes the stream) and returns the report's lines.
    public func run() throws -> [String] {
        let stream = try WireBenchmark.makeStream(messages: messages)
        if let path = writeStream {
            try Data(stream.readableBytesView).write(to: URL(fileURLWithPath: path))
            return ["wrote \(messages) messages, \(stream.readableBytes) bytes to \(path)"]
        }
        var best = Double.infinity
        var decoded = 0
        for _ in 0..<max(1, passes) {
            let start = DispatchTime.now().uptimeNanoseconds
            decoded = try WireBenchmark.decodeAll(stream)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
        }
        let rate = Double(decoded) / best
        let megabytes = Double(stream.readableBytes) / 1e6 / best
        if json {
            return [
                #"{"messages": \#(decoded), "seconds": \#(best), "messages_per_second": \#(Int(rate)), "mb_per_second": \#(megabytes)}"#
            ]
        }
        return [
            "wire decode benchmark (server version 178, one core)",
            "  messages        \(decoded)",
            "  bytes           \(stream.readableBytes)",
            "  best of \(passes)       \(String(format: "%.3f", best)) s",
            "  throughput      \(String(format: "%.2f", rate / 1e6)) M messages/s, \(String(format: "%.0f", megabytes)) MB/s",
        ]
    }
}

/// The benchmark's stream and decode loop (also used by the allocation script).
public enum WireBenchmark {
    /// The server version the stream is encoded at.
    public static let version = 178

    /// One message of each kind in the mix.
    public static func sampleMessages() -> [TWSServerMessage] {
        var option = TWSTickOptionComputation()
        option.reqId = 1042
        option.tickType = 13
        option.impliedVol = 0.1834412
        option.delta = -0.2511289465
        option.optPrice = 3.4187220954
        option.pvDividend = 1.2049
        option.gamma = 0.0123876543
        option.vega = 0.7812345678
        option.theta = -0.1432109876
        option.undPrice = 592.37
        var details = TWSContractData()
        details.reqId = 7
        details.contractDetails.contract = TWSContract(
            conId: 765_432_101, symbol: "SPY", secType: TWSSecurityType.option.rawValue,
            lastTradeDateOrContractMonth: "20260116", strike: 590,
            right: "C", multiplier: "100", exchange: "SMART", currency: "USD", localSymbol: "SPY   260116C00590000",
            tradingClass: "SPY")
        details.contractDetails.marketName = "SPY"
        details.contractDetails.minTick = 0.01
        details.contractDetails.orderTypes = "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,COND,LMT,MKT"
        details.contractDetails.validExchanges = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,MIAX,EDGX"
        details.contractDetails.underConId = 756_733
        details.contractDetails.longName = "SPDR S&P 500 ETF TRUST"
        details.contractDetails.timeZoneId = "US/Eastern"
        details.contractDetails.tradingHours = "20260105:0930-20260105:1600;20260106:0930-20260106:1600"
        details.contractDetails.liquidHours = details.contractDetails.tradingHours
        details.contractDetails.minSize = 1
        details.contractDetails.sizeIncrement = 1
        details.contractDetails.suggestedSizeIncrement = 1
        var open = TWSOpenOrder()
        open.orderId = 12
        open.contract = TWSContract(
            symbol: "SPY", secType: TWSSecurityType.combo.rawValue, exchange: "SMART", currency: "USD")
        open.contract.comboLegs = [
            TWSComboLeg(conId: 1, ratio: 1, action: TWSAction.sell.rawValue),
            TWSComboLeg(conId: 2, ratio: 1, action: TWSAction.buy.rawValue),
        ]
        open.order.action = TWSAction.buy.rawValue
        open.order.totalQuantity = 1
        open.order.orderType = TWSOrderType.limit.rawValue
        open.order.lmtPrice = -1.25
        open.order.tif = TWSTimeInForce.day.rawValue
        open.order.account = "DU1234567"
        open.order.orderRef = "pt-SPY-000012"
        open.orderState.status = TWSOrderStatusValue.submitted.rawValue
        return [
            .tickPrice(TWSTickPrice(reqId: 1042, tickType: 1, price: 3.35, size: 17)),
            .tickSize(TWSTickSize(reqId: 1042, tickType: 8, size: 1234)),
            .tickOptionComputation(option),
            .contractData(details),
            .openOrder(open),
        ]
    }

    /// A stream of `messages` frames in the benchmark's mix.
    public static func makeStream(messages: Int) throws -> ByteBuffer {
        let samples = try sampleMessages().map { try $0.encoded(serverVersion: version) }
        // Per 100 messages: 40 tickPrice, 25 tickSize, 30 option computations, 3 contract details, 2 openOrder.
        var pattern: [Int] = []
        for i in 0..<100 {
            switch i {
            case 0..<40: pattern.append(0)
            case 40..<65: pattern.append(1)
            case 65..<95: pattern.append(2)
            case 95..<98: pattern.append(3)
            default: pattern.append(4)
            }
        }
        var rng = SystemRandomNumberGenerator()
        pattern.shuffle(using: &rng)
        var stream = ByteBuffer()
        stream.reserveCapacity(messages * 40)
        for i in 0..<messages {
            var frame = samples[pattern[i % pattern.count]]
            stream.writeBuffer(&frame)
        }
        return stream
    }

    /// Frames and decodes the whole stream as the client's read loop does (64 KiB socket reads
    /// appended to a receive buffer that drops decoded bytes); returns the number of messages.
    public static func decodeAll(_ stream: ByteBuffer) throws -> Int {
        var input = stream
        var buffer = ByteBuffer()
        var frames = TWSFrameDecoder()
        var count = 0
        var checksum = 0
        while input.readableBytes > 0 {
            var chunk = input.readSlice(length: min(65_536, input.readableBytes)) ?? ByteBuffer()
            TWSFrameDecoder.append(&chunk, to: &buffer)
            try frames.forEachPayload(in: &buffer) { payload in
                let message = try TWSServerMessage.decode(bytes: payload, serverVersion: version)
                if case .tickPrice(let t) = message { checksum &+= t.reqId }
                count += 1
            }
        }
        // Keeps the optimizer from discarding the decode work.
        if checksum == -1 { print(checksum) }
        return count
    }
}
