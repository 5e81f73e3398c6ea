import Foundation
import OptionsModel

/// The underlying's picture at one collection cycle (one row per symbol per cycle).
public struct UnderlyingSnapshot: Sendable, Equatable, Codable {
    public var symbol: String
    public var timestamp: Date
    public var price: Double?
    public var vix: Double?
    public var trend: Trend?
    public var ivRank: Double?
    /// 30-day constant-maturity ATM implied volatility (fraction).
    public var atmIV: Double?
    public var source: DataSource
    /// The next dividend the source announced at this time (nil: none, or a source without dividends).
    public var nextDividend: Dividend?

    public init(
        symbol: String, timestamp: Date, price: Double?, vix: Double?, trend: Trend?, ivRank: Double?, atmIV: Double?,
        source: DataSource, nextDividend: Dividend? = nil
    ) {
        self.nextDividend = nextDividend
        self.symbol = symbol
        self.timestamp = timestamp
        self.price = price
        self.vix = vix
        self.trend = trend
        self.ivRank = ivRank
        self.atmIV = atmIV
        self.source = source
    }
}

/// Status of a collection cycle.
public enum CycleStatus: String, Sendable, Codable, CaseIterable {
    case running, ok, partial, failed
}

/// One collection cycle as recorded.
public struct CollectionCycle: Sendable, Equatable, Codable {
    public var id: Int64
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: CycleStatus
    /// Rows written per symbol.
    public var counts: [String: Int]
    /// Source used per symbol.
    public var sources: [String: String]
    public var errors: [String]
    /// Planning notes (line-budget pre-flight, overruns).
    public var notes: [String]

    /// A cycle record.
    public init(
        id: Int64, startedAt: Date, finishedAt: Date?, status: CycleStatus, counts: [String: Int],
        sources: [String: String], errors: [String], notes: [String]
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counts = counts
        self.sources = sources
        self.errors = errors
        self.notes = notes
    }
}

/// Daily ATM IV history of a symbol with its range.
public struct IVHistory: Sendable, Equatable {
    public var points: [(day: TradingDay, atmIV: Double)]
    public var min: Double?
    public var max: Double?
    public var average: Double?

    public static func == (a: IVHistory, b: IVHistory) -> Bool {
        a.points.map(\.day) == b.points.map(\.day) && a.points.map(\.atmIV) == b.points.map(\.atmIV)
    }
}

/// What `store stats` shows.
public struct StoreStats: Sendable, Equatable, Codable {
    public var optionRows: Int
    public var symbols: [String]
    public var firstTimestamp: Date?
    public var lastTimestamp: Date?
    public var cycles: Int
    public var averageRowsPerCycle: Double
    public var rowsPerSymbol: [String: Int]
    public var schemaVersion: String
    public var fileBytes: Int64
}

/// An event of the decisions-and-incidents journal.
public struct JournalEvent: Sendable, Equatable, Codable {
    public var id: Int64?
    public var time: Date
    public var kind: JournalKind
    public var symbol: String?
    public var message: String
    /// JSON text with details.
    public var data: String?

    /// An event.
    public init(
        id: Int64? = nil, time: Date, kind: JournalKind, symbol: String? = nil, message: String, data: String? = nil
    ) {
        self.id = id
        self.time = time
        self.kind = kind
        self.symbol = symbol
        self.message = message
        self.data = data
    }
}
