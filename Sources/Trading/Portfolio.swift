import Foundation
import OptionsModel
import SnapshotStore

/// The book in numbers: for health, the HTTP API and `papertrader report`.
public struct PortfolioSummary: Sendable, Equatable, Codable {
    public var startingCash: Double
    public var cash: Double
    /// Cash minus what closing every open position at mid would cost.
    public var equity: Double
    public var realizedPnL: Double
    public var unrealizedPnL: Double
    /// Sum of open positions' max loss.
    public var openRisk: Double
    public var openPositions: Int
    public var closedTrades: Int
    /// Winners / closed trades; nil before the first close.
    public var winRate: Double?
    public var averageHoldHours: Double?
    public var commissions: Double

    /// Summarises positions given each held position's latest mark (debit per share) and the fills.
    /// Cash is what the fills moved (settlements and assignments are fills too) less commissions;
    /// equity is cash less what closing every held position at its mark would cost (for shares from an
    /// assignment, plus what they are worth).
    public static func summarize(
        positions: [PositionRecord], marks: [Int64: Double], fills: [FillRecord], startingCash: Double
    ) -> PortfolioSummary {
        let held = positions.filter(\.isHeld)
        let closed = positions.filter { $0.status == .closed && $0.entryCredit != nil }
        let commissions = fills.reduce(0) { $0 + ($1.commission ?? 0) }
        let cash = startingCash - commissions + fills.reduce(0) { $0 + $1.cash() }
        var unrealized = 0.0
        var liability = 0.0
        // Shares an assignment left are an asset (or a short) worth their mark, not an option liability.
        var stockCash: [Int64: Double] = [:]
        for f in fills where f.isStock {
            if let id = f.orderRef.flatMap(OrderRef.position(of:)) { stockCash[id, default: 0] += f.cash() }
        }
        for p in held {
            let shareCash = p.status == .assigned ? p.id.flatMap { stockCash[$0] } ?? 0 : 0
            // Unmarked shares count at their cost (debit 0 against the cash they took).
            let fallback = p.status == .assigned ? 0 : p.entryCredit ?? 0
            let debit = p.id.flatMap { marks[$0] } ?? fallback
            liability += debit * 100 * Double(p.quantity) + shareCash
            unrealized += ((p.entryCredit ?? 0) - debit) * 100 * Double(p.quantity)
        }
        let realized = positions.reduce(0) { $0 + ($1.realizedPnL ?? 0) }
        let holds = closed.compactMap { p -> Double? in
            guard let a = p.openedAt, let b = p.closedAt else { return nil }
            return b.timeIntervalSince(a) / 3600
        }
        return PortfolioSummary(
            startingCash: startingCash, cash: cash, equity: cash - liability, realizedPnL: realized,
            unrealizedPnL: unrealized, openRisk: held.reduce(0) { $0 + ($1.maxLoss ?? 0) }, openPositions: held.count,
            closedTrades: closed.count,
            winRate: closed.isEmpty
                ? nil : Double(closed.filter { ($0.realizedPnL ?? 0) > 0 }.count) / Double(closed.count),
            averageHoldHours: holds.isEmpty ? nil : holds.reduce(0, +) / Double(holds.count), commissions: commissions)
    }
}
