import Foundation
import OptionsModel

/// Market-data persistence as callers see it; SQLite today, PostgreSQL/TimescaleDB later behind the
/// same protocol.
public protocol MarketDataStore: Sendable {
    /// Starts a cycle (status `running`); returns its id.
    func beginCycle(startedAt: Date) throws -> Int64
    /// Writes one symbol's chain and underlying snapshot of a cycle in one transaction: either all of
    /// it is stored or none. Re-running a cycle replaces rows with the same key (last write wins).
    func recordSymbol(cycleID: Int64, chain: ChainSnapshot, underlying: UnderlyingSnapshot) throws
    /// Closes a cycle with its outcome.
    func finishCycle(
        id: Int64, finishedAt: Date, status: CycleStatus, counts: [String: Int], sources: [String: String],
        errors: [String],
        notes: [String]) throws
    /// The latest stored chain of a symbol, optionally filtered.
    func latestChain(symbol: String, expiryFrom: Expiry?, expiryTo: Expiry?, right: OptionRight?) throws
        -> ChainSnapshot?
    /// Daily ATM IV of the last `days` trading days up to `until`.
    func ivHistory(symbol: String, days: Int, until: Date) throws -> IVHistory
    /// Adds daily ATM IVs from a source's history for days the store has none of (its own
    /// measurements win); returns the days added.
    @discardableResult
    func backfillDailyATMIV(symbol: String, points: [(day: TradingDay, atmIV: Double)], source: DataSource) throws
        -> Int
    /// Stores daily bars (unique per symbol, day and bar size).
    func upsertBars(symbol: String, bars: [Bar], barSize: String, source: DataSource) throws
    /// The latest `count` daily bars, oldest first.
    func bars(symbol: String, count: Int) throws -> [Bar]
    /// Recent cycles, newest first.
    func cycles(limit: Int) throws -> [CollectionCycle]
    /// The latest underlying snapshot per symbol.
    func latestUnderlyings() throws -> [UnderlyingSnapshot]
    /// Table statistics.
    func stats() throws -> StoreStats
    /// Deletes option rows older than `days` (daily ATM IV history stays); returns rows deleted.
    func deleteSnapshots(olderThanDays days: Int, now: Date) throws -> Int
}

/// The journal of decisions and incidents.
public protocol JournalStore: Sendable {
    /// Appends an event.
    func append(_ event: JournalEvent) throws
    /// Recent events, newest first.
    func recentEvents(limit: Int, kind: JournalKind?) throws -> [JournalEvent]
}

/// What the trading engine keeps: positions, orders, fills and its decisions.
public protocol TradingJournal: TradingStore, JournalStore {}

/// Stored underlying prices, for settling positions at the expiry-day close.
public protocol UnderlyingPriceHistory: Sendable {
    /// The last stored price of `symbol` at or after `from` and before `until`; nil when none.
    func lastUnderlyingPrice(symbol: String, from: Date, until: Date) throws -> Double?
}

/// Stored daily bars (betas to SPY, trend), oldest first.
public protocol DailyBarHistory: Sendable {
    /// The latest `count` daily bars, oldest first.
    func bars(symbol: String, count: Int) throws -> [Bar]
}

extension SQLiteStore: DailyBarHistory {}
