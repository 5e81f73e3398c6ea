import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// Positions, orders, fills and P&L as stored: what `papertrader report` and the HTTP API show.
public struct TradingReport: Sendable, Codable, Equatable {
    public var summary: PortfolioSummary
    public var positions: [PositionRecord]
    public var orders: [OrderRecord]
    public var fills: [FillRecord]
    /// Latest mark (debit per share to close at mid) of each open position with quotes in the store.
    public var marks: [String: Double]

    /// Reads the book from the store and marks open positions against each symbol's latest chain.
    public static func build(store: SQLiteStore, startingCash: Double, orderLimit: Int = 200) throws -> TradingReport {
        let positions = try store.positions(status: nil)
        var marks: [Int64: Double] = [:]
        var chains: [String: ChainSnapshot] = [:]
        for p in positions where p.status == .open || p.status == .closing {
            guard let id = p.id else { continue }
            if chains[p.symbol] == nil {
                chains[p.symbol] = try store.latestChain(
                    symbol: p.symbol, expiryFrom: nil, expiryTo: nil, right: nil)
            }
            if let chain = chains[p.symbol], let mark = PositionManagement.mark(p, chain: chain) {
                marks[id] = mark.debit
            }
        }
        let fills = try store.fills(orderRef: nil)
        return TradingReport(
            summary: PortfolioSummary.summarize(
                positions: positions, marks: marks, fills: fills, startingCash: startingCash),
            positions: positions, orders: try store.orders(limit: orderLimit), fills: fills,
            marks: Dictionary(uniqueKeysWithValues: marks.map { (String($0.key), $0.value) }))
    }
}
