import Foundation
import TWSWire

/// Gateway messages TWSWire does not model (the product's client never reads them), written field by
/// field as ibapi 10.51's decoder reads them, with the gateway's Java-style numbers.
enum SimMessages {
    /// IB's incoming message ids for these messages.
    enum ID {
        static let realTimeBars = 50
        static let symbolSamples = 79
        static let headTimestamp = 88
        static let pnl = 94
        static let pnlSingle = 95
        static let userInfo = 107
    }

    /// The gateway's text for a double; nil is IB's unset value.
    static func number(_ value: Double?) -> String {
        guard let value else { return "1.7976931348623157E308" }
        return TWSFieldWriter(serverVersion: TWSServerVersion.parametrizedDaysOfExecutions, dialect: .server).text(
            value)
    }

    /// pnl (94): reqId, dailyPnL, unrealizedPnL, realizedPnL.
    static func pnl(reqId: Int, daily: Double, unrealized: Double, realized: Double) -> TWSServerMessage {
        .unhandled(id: ID.pnl, fields: ["\(reqId)", number(daily), number(unrealized), number(realized)])
    }

    /// pnlSingle (95): reqId, pos, dailyPnL, unrealizedPnL, realizedPnL, value.
    static func pnlSingle(
        reqId: Int, position: Double, daily: Double?, unrealized: Double?, realized: Double?, value: Double?
    ) -> TWSServerMessage {
        .unhandled(
            id: ID.pnlSingle,
            fields: [
                "\(reqId)", TWSDecimal(position).description, number(daily), number(unrealized), number(realized),
                number(value),
            ])
    }

    /// headTimestamp (88): reqId, the earliest data point.
    static func headTimestamp(reqId: Int, _ text: String) -> TWSServerMessage {
        .unhandled(id: ID.headTimestamp, fields: ["\(reqId)", text])
    }

    /// `yyyyMMdd-HH:mm:ss` in UTC, as the gateway reports a head timestamp for formatDate 1.
    static func headStamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HH:mm:ss"
        return formatter.string(from: date)
    }

    /// One contract description of symbolSamples.
    struct SymbolSample: Sendable, Equatable {
        var conId: Int
        var symbol: String
        var secType: String
        var primaryExchange: String
        var currency = "USD"
        var derivativeSecTypes: [String]
        var description: String
    }

    /// symbolSamples (79): reqId, count, then per contract conId, symbol, secType, primaryExchange,
    /// currency, derivative types (counted), and from 176 description and issuerId.
    static func symbolSamples(reqId: Int, _ samples: [SymbolSample], serverVersion: Int) -> TWSServerMessage {
        var fields = ["\(reqId)", "\(samples.count)"]
        for s in samples {
            fields += [
                "\(s.conId)", s.symbol, s.secType, s.primaryExchange, s.currency, "\(s.derivativeSecTypes.count)",
            ]
            fields += s.derivativeSecTypes
            if serverVersion >= TWSServerVersion.bondIssuerId { fields += [s.description, ""] }
        }
        return .unhandled(id: ID.symbolSamples, fields: fields)
    }

    /// One 5-second bar.
    struct FiveSecondBar: Sendable, Equatable {
        /// Epoch seconds of the bar's start.
        var time: Int
        var open: Double
        var high: Double
        var low: Double
        var close: Double
        var volume: Double
        var wap: Double
        var count: Int
    }

    /// realTimeBars (50): version, reqId, time, open, high, low, close, volume, wap, count.
    static func realTimeBar(reqId: Int, _ bar: FiveSecondBar) -> TWSServerMessage {
        .unhandled(
            id: ID.realTimeBars,
            fields: [
                "3", "\(reqId)", "\(bar.time)", number(bar.open), number(bar.high), number(bar.low), number(bar.close),
                TWSDecimal(bar.volume).description, TWSDecimal(bar.wap).description, "\(bar.count)",
            ])
    }

    /// userInfo (107): reqId, whiteBrandingId (empty for IB's own brand).
    static func userInfo(reqId: Int) -> TWSServerMessage {
        .unhandled(id: ID.userInfo, fields: ["\(reqId)", ""])
    }
}
