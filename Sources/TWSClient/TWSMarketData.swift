import OptionsModel
import TWSWire

/// What a market-data request delivered: every field that arrived, which expected fields did not,
/// and whether it ended by timeout. Nothing is invented: a missing value stays nil.
public struct TWSMarketDataSnapshot: Sendable, Equatable {
    /// Fields a caller may need.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case bid, ask, last, volume, close, greeks, openInterest
        /// IB's dividend tick (generic list 456).
        case dividends
    }

    public var bid: Double?
    public var ask: Double?
    public var last: Double?
    public var bidSize: Double?
    public var askSize: Double?
    public var lastSize: Double?
    public var volume: Double?
    public var close: Double?
    public var high: Double?
    public var low: Double?
    public var open: Double?
    public var callOpenInterest: Double?
    public var putOpenInterest: Double?
    public var callVolume: Double?
    public var putVolume: Double?
    /// Generic tick 24 (underlying implied volatility) and 23 (historical volatility).
    public var impliedVolatility: Double?
    public var historicalVolatility: Double?
    /// IB's dividend text (tick 59): `past12,next12,nextExDate,nextAmount`.
    public var dividends: String?
    /// tickOptionComputation by tick type: model (13/83), bid (10/80), ask (11/81), last (12/82).
    public var modelGreeks: TWSTickOptionComputation?
    public var bidGreeks: TWSTickOptionComputation?
    public var askGreeks: TWSTickOptionComputation?
    /// The market data type the gateway served (1 live, 2 frozen, 3 delayed, 4 delayed-frozen).
    public var marketDataType = 1
    /// Delayed tick ids arrived.
    public var delayed = false
    public var timedOut = false
    /// Expected fields that did not arrive.
    public var missing: Set<Field> = []
    /// Warnings about this request (10167 delayed, 10090 partly subscribed ...).
    public var warnings: [Int] = []

    public init() {}

    /// Folds one message of this request in.
    public mutating func apply(_ message: TWSServerMessage) {
        switch message {
        case .tickPrice(let t):
            let price = t.validPrice
            let type = TWSTickType(t.tickType)
            switch type.live {
            case .bid: bid = price; bidSize = t.size?.doubleValue ?? bidSize
            case .ask: ask = price; askSize = t.size?.doubleValue ?? askSize
            case .last: last = price; lastSize = t.size?.doubleValue ?? lastSize
            case .high: high = price
            case .low: low = price
            case .close: close = price
            case .open: open = price
            default: break
            }
            if type.isDelayed { delayed = true }
        case .tickSize(let t):
            let v = t.size?.doubleValue
            switch TWSTickType(t.tickType).live {
            case .bidSize: bidSize = v
            case .askSize: askSize = v
            case .lastSize: lastSize = v
            case .volume: volume = v
            case .optionCallOpenInterest: callOpenInterest = v
            case .optionPutOpenInterest: putOpenInterest = v
            case .optionCallVolume: callVolume = v
            case .optionPutVolume: putVolume = v
            default: break
            }
        case .tickString(let t) where TWSTickType(t.tickType) == .dividends:
            dividends = t.value
        case .tickGeneric(let g):
            if TWSTickType(g.tickType) == .optionImpliedVolatility { impliedVolatility = g.value }
            if TWSTickType(g.tickType) == .optionHistoricalVolatility { historicalVolatility = g.value }
        case .tickOptionComputation(let c):
            let type = TWSTickType(c.tickType)
            switch type.live {
            case .modelOptionComputation: modelGreeks = c
            case .bidOptionComputation: bidGreeks = c
            case .askOptionComputation: askGreeks = c
            default: break
            }
            if type.isDelayed { delayed = true }
        case .marketDataType(let m):
            marketDataType = m.marketDataType
        default:
            break
        }
    }

    /// Whether a field has arrived.
    public func has(_ field: Field) -> Bool {
        switch field {
        case .bid: bid != nil
        case .ask: ask != nil
        case .last: last != nil
        case .volume: volume != nil
        case .close: close != nil
        case .greeks: modelGreeks?.delta != nil
        case .openInterest: callOpenInterest != nil || putOpenInterest != nil
        case .dividends: dividends != nil
        }
    }

    /// The next dividend from IB's dividend text; nil when none is announced or the text is not IB's
    /// four fields (`0.83,0.92,20260320,0.23`).
    public var nextDividend: Dividend? {
        guard let dividends else { return nil }
        let fields = dividends.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, let day = Expiry(fields[2]), let amount = Double(fields[3]), amount > 0 else {
            return nil
        }
        return Dividend(exDate: day, amount: amount)
    }

    /// Records which of `expected` are missing.
    public mutating func markMissing(_ expected: Set<Field>) {
        missing = expected.filter { !has($0) }
    }
}

/// One update of a streaming market-data subscription.
public enum TWSMarketDataUpdate: Sendable, Equatable {
    /// A tick; `snapshot` is the state after it.
    case tick(TWSServerMessage, snapshot: TWSMarketDataSnapshot)
    /// The subscription was re-established after a reconnect or 1101.
    case resubscribed
    /// A warning or error about the subscription that does not end it (10167, 10197 ...).
    case notice(code: Int, message: String)
}

/// One event of an order placed through the client.
public enum TWSOrderEvent: Sendable, Equatable {
    case status(TWSOrderStatus)
    case openOrder(TWSOpenOrder)
    case execution(TWSExecDetails)
    case commission(TWSCommissionAndFeesReport)
    case error(code: Int, message: String)
}

/// An order placed: its id and its events until the caller stops listening.
public struct TWSOrderHandle: Sendable {
    public let orderId: Int
    public let events: AsyncStream<TWSOrderEvent>
}

/// An execution with its commission report, joined by execId.
public struct TWSExecutionReport: Sendable, Equatable {
    public var details: TWSExecDetails
    public var commission: TWSCommissionAndFeesReport?
}
