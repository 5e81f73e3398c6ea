import Foundation
import OptionsModel
import SnapshotStore

/// Exit thresholds (mapped from the `strategy:` section of the configuration).
public struct ExitRules: Sendable, Equatable {
    /// Close when this fraction of the credit is captured.
    public var takeProfitPct = 0.50
    /// Close when the loss reaches this multiple of the credit.
    public var stopLossMultiple = 2.0
    /// Close when this many calendar days or fewer are left.
    public var exitDTE = 21
    /// Close when a short leg's |delta| reaches this.
    public var shortDeltaExit = 0.50
    /// Never hold into the last this-many days (expiry handling when the DTE exit is disabled).
    public var closeBeforeExpiryDays = 1

    public init() {}
}

/// Why a position is closed.
public enum ExitReason: String, Sendable, Codable, CaseIterable {
    case takeProfit = "take_profit"
    case stopLoss = "stop_loss"
    case dteExit = "dte_exit"
    case shortStrikeBreached = "short_strike_breached"
    case shortDelta = "short_delta"
    case expiry = "close_before_expiry"
    case settled = "settled_at_expiry"
    case killSwitch = "kill_switch"
}

/// What it costs to close a position now.
public struct PositionMark: Sendable, Equatable {
    /// Net debit per share to close at mid (negative would mean closing pays).
    public var debit: Double
    /// Net debit per share at the natural price (buy at ask, sell at bid).
    public var naturalDebit: Double
    /// The largest |delta| among the short legs.
    public var shortDelta: Double?
    public var underlying: Double?

    public init(debit: Double, naturalDebit: Double, shortDelta: Double?, underlying: Double?) {
        self.debit = debit
        self.naturalDebit = naturalDebit
        self.shortDelta = shortDelta
        self.underlying = underlying
    }

    /// Unrealized P&L in dollars before commissions for a position opened at `credit`.
    public func unrealized(credit: Double, quantity: Int) -> Double { (credit - debit) * 100 * Double(quantity) }
}

/// Marks positions against a chain and decides exits.
public enum PositionManagement {
    /// The mark from the latest chain; nil when a leg is missing from it or a short leg has no ask
    /// (a long leg without a bid is worth nothing to sell).
    public static func mark(_ position: PositionRecord, chain: ChainSnapshot) -> PositionMark? {
        let rows = Dictionary(chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        var debit = 0.0
        var natural = 0.0
        var shortDelta: Double?
        for leg in position.legs {
            guard let row = rows[leg.contract.key] else { return nil }
            let ratio = Double(leg.ratio)
            let bid = row.quote.bid ?? 0
            // Closing reverses each leg: buy back the shorts, sell the longs.
            if leg.action == "SELL" {
                guard let ask = row.quote.ask else { return nil }
                debit += (row.quote.mid ?? (bid + ask) / 2) * ratio
                natural += ask * ratio
                if let d = row.greeks.delta { shortDelta = max(shortDelta ?? 0, abs(d)) }
            } else {
                debit -= (row.quote.mid ?? bid) * ratio
                natural -= bid * ratio
            }
        }
        return PositionMark(
            debit: debit, naturalDebit: natural, shortDelta: shortDelta,
            underlying: chain.underlyingPrice ?? chain.options.first?.underlyingPrice)
    }

    /// Legs of the position the chain has no usable quote for (why a mark is missing).
    public static func unquotedLegs(_ position: PositionRecord, chain: ChainSnapshot) -> [String] {
        let rows = Dictionary(chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        return position.legs.compactMap { leg in
            guard let row = rows[leg.contract.key] else { return "\(leg.contract) not in the chain" }
            return leg.action == "SELL" && row.quote.ask == nil ? "\(leg.contract) has no ask" : nil
        }
    }

    /// The first exit rule the position meets, or nil to hold.
    public static func exitReason(
        _ position: PositionRecord, mark: PositionMark?, today: TradingDay, rules: ExitRules
    ) -> ExitReason? {
        let daysLeft = position.expiry.days(since: today)
        if let mark, let credit = position.entryCredit, credit > 0 {
            if credit - mark.debit >= rules.takeProfitPct * credit { return .takeProfit }
            if mark.debit - credit >= rules.stopLossMultiple * credit { return .stopLoss }
        }
        if let underlying = mark?.underlying, isBreached(position, underlying: underlying) {
            return .shortStrikeBreached
        }
        if let delta = mark?.shortDelta, delta >= rules.shortDeltaExit { return .shortDelta }
        if daysLeft <= rules.exitDTE { return .dteExit }
        if daysLeft <= rules.closeBeforeExpiryDays { return .expiry }
        return nil
    }

    /// Whether the underlying trades through a short strike (below a short put, above a short call).
    public static func isBreached(_ position: PositionRecord, underlying: Double) -> Bool {
        position.legs.contains { leg in
            guard leg.action == "SELL" else { return false }
            return leg.contract.right == .put ? underlying < leg.contract.strike : underlying > leg.contract.strike
        }
    }

    /// Debit per share to settle an expired position against the underlying (intrinsic values).
    public static func settlementDebit(_ position: PositionRecord, underlying: Double) -> Double {
        position.legs.reduce(0) { total, leg in
            let k = leg.contract.strike
            let intrinsic = leg.contract.right == .put ? max(0, k - underlying) : max(0, underlying - k)
            return total + (leg.action == "SELL" ? 1 : -1) * intrinsic * Double(leg.ratio)
        }
    }
}
