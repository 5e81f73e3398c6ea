import ArgumentParser
import Foundation
import NIOCore
import TWSWire

/// `papertrader bench wire`: decode throughput of the TWS decoder on a market-data mix.
struct BenchWireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Measure TWS decode throughput (messages/second, one core) on a realistic market-data mix.",
        discussion: """
            The mix: 40% tickPrice, 25% tickSize, 30% tickOptionComputation, 3% contractDetails, 2% openOrder, \
            framed as a gateway sends them at server version 178. The stream is built once, then framed and \
            decoded --passes times; the best run is reported. Allocation counts: run under valgrind (see \
            scripts/bench/wire_allocations.sh).
            """
    )

    @Option(help: "Messages in the stream.")
    var messages = 2_000_000

    @Option(help: "Decode passes over the stream (best is reported).")
    var passes = 3

    @Option(help: "Write the stream to this file (for decoding the same bytes with other decoders) and exit.")
    var writeStream: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let stream = try WireBenchmark.makeStream(messages: messages)
        if let path = writeStream {
            try Data(stream.readableBytesView).write(to: URL(fileURLWithPath: path))
            print("wrote \(messages) messages, \(stream.readableBytes) bytes to \(path)")
            return
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
            print(
                #"{"messages": \#(decoded), "seconds": \#(best), "messages_per_second": \#(Int(rate)), "mb_per_second": \#(megabytes)}"#
            )
        } else {
            print("wire decode benchmark (server version 178, one core)")
            print("  messages        \(decoded)")
            print("  bytes           \(stream.readableBytes)")
            print("  best of \(passes)       \(String(format: "%.3f", best)) s")
            print(
                "  throughput      \(String(format: "%.2f", rate / 1e6)) M messages/s, \(String(format: "%.0f", megabytes)) MB/s"
            )
        }
    }
}

/// The benchmark's stream and decode loop (also used by the allocation script).
enum WireBenchmark {
    static let version = 178

    static func sampleMessages() -> [TWSServerMessage] {
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
    static func makeStream(messages: Int) throws -> ByteBuffer {
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
    static func decodeAll(_ stream: ByteBuffer) throws -> Int {
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
