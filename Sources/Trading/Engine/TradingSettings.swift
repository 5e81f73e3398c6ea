import Foundation
import SnapshotStore

/// How the trader trades (from the `strategy:`, `risk:` and `execution:` configuration).
public struct TradingSettings: Sendable {
    public var strategy = StrategyRules()
    public var exits = ExitRules()
    public var limits = RiskLimits()
    public var pricing = PricingPolicy()
    /// Scenario grid, horizon, rate and beta window of the risk book.
    public var model = RiskModel()
    /// With the kill switch on, close every open position too.
    public var flattenOnKill = false
    /// The book's cash at the start when the venue reports no net liquidation (the simulated venue).
    public var startingCash = 100_000.0

    /// The defaults.
    public init() {}
}

/// What one trading pass did.
public struct TraderCycleReport: Sendable, Codable, Equatable {
    /// Positions opened, with their words ("SPY bull put spread 20260417 560/555 x1 credit 1.42").
    public var opened: [Int64] = []
    public var closed: [Int64] = []
    /// One line per position opened or closed, for the terminal.
    public var actions: [String] = []
    /// Per symbol: why no position was opened.
    public var noTrade: [String: String] = [:]
    /// Per symbol: the entry decision in words (what was opened, or why nothing was).
    public var decisions: [String: String] = [:]
    public var errors: [String] = []

    /// An empty report.
    public init() {}
}

/// What reconciliation found on start.
public struct ReconcileReport: Sendable, Codable, Equatable {
    public var ordersChecked = 0
    public var ordersRecovered = 0
    public var ordersCancelled = 0
    public var fillsRecovered = 0
    /// Orders with our orderRef prefix working at the account that the journal did not think live.
    public var orphansCancelled = 0
    public var mismatches: [String] = []

    /// An empty report.
    public init() {}
}

/// What the trader would do for one symbol now, and why: each gate in order.
public struct TradeExplanation: Sendable, Equatable {
    public var symbol: String
    public var time: Date
    public var entry: EntryEvaluation
    public var risk: [RiskCheck.Gate]
    /// The decision in words (what the journal records).
    public var verdict: String
    /// The structure it would open (nil when a gate stops it).
    public var candidate: TradeCandidate?
}
