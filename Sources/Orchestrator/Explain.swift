import AppConfig
import Foundation
import MarketData
import OptionsModel
import SnapshotStore
import Trading

/// The market pictures of the latest stored cycle, rebuilt from the store: each symbol's latest chain
/// with its underlying snapshot (price, VIX, trend, IV rank, ATM IV), as the live loop built them.
public enum StoredPictures {
    /// One picture per symbol that has a stored chain (all stored symbols when `symbols` is nil).
    public static func latest(store: SQLiteStore, symbols: [String]? = nil) throws -> [MarketPicture] {
        let underlyings = Dictionary(
            try store.latestUnderlyings().map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
        let wanted = symbols ?? underlyings.keys.sorted()
        return try wanted.compactMap { symbol -> MarketPicture? in
            guard let chain = try store.latestChain(symbol: symbol, expiryFrom: nil, expiryTo: nil, right: nil) else {
                return nil
            }
            let u = underlyings[symbol].flatMap { $0.timestamp == chain.timestamp ? $0 : nil }
            return MarketPicture(stored: chain, underlying: u)
        }
    }
}

/// `papertrader explain` as text: each gate in order with its value and threshold, the strikes
/// considered, every risk limit with its use, and the verdict.
public enum ExplainText {
    /// The explanation of one symbol.
    public static func render(_ e: TradeExplanation) -> String {
        var lines = ["\(e.symbol) at \(ISOTime.string(e.time)): \(e.verdict)"]
        for g in e.entry.gates { lines.append("  signal  \(g.line)") }
        for c in e.entry.considered { lines.append("  strike  \(c)") }
        for g in e.risk { lines.append("  risk    \(g.gate.line)") }
        if let c = e.candidate {
            lines.append(
                String(
                    format: "  would open %@ x%d: credit %.2f, max loss %.2f, breakevens %@", c.summary, c.quantity,
                    c.credit, c.maxLoss, c.breakevens.map { String(format: "%.2f", $0) }.joined(separator: "/")))
            if let odds = c.odds { lines.append("  odds    \(odds.words)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension TradeExplanation: Encodable {
    enum CodingKeys: String, CodingKey {
        case symbol, time, verdict, signal, considered, risk, candidate
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(ISOTime.string(time), forKey: .time)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(entry.gates, forKey: .signal)
        try c.encode(entry.considered, forKey: .considered)
        try c.encode(risk.map(\.gate), forKey: .risk)
        if let candidate {
            try c.encode(
                CandidateJSON(
                    structure: candidate.structure.rawValue, expiry: candidate.expiry.yyyymmdd,
                    strikes: candidate.legs.map(\.option.contract.strike), credit: candidate.credit,
                    maxLoss: candidate.maxLoss, breakevens: candidate.breakevens, quantity: candidate.quantity,
                    odds: candidate.odds, greeks: candidate.greeks),
                forKey: .candidate)
        }
    }

    struct CandidateJSON: Encodable {
        var structure: String
        var expiry: String
        var strikes: [Double]
        var credit: Double
        var maxLoss: Double
        var breakevens: [Double]
        var quantity: Int
        var odds: CandidateOdds?
        var greeks: BookGreeks?
    }
}

/// What `papertrader explain` runs: the trader's decision on the latest stored cycle of each symbol,
/// from the store alone (read-only, beside a running `run`), with the book as the journal holds it.
public enum ExplainRun {
    /// One symbol's explanation.
    public typealias Explanation = TradeExplanation

    /// Whether the kill switch at `path` is on.
    public static func killSwitchOn(path: String) -> Bool { KillSwitch(path: path).isOn }

    /// One explanation per symbol with a stored chain.
    public static func explain(config: PaperTraderConfig, symbols: [String]?, killSwitch: Bool) async throws
        -> [TradeExplanation]
    {
        let store = try SQLiteStore(path: config.storage.path, readOnly: true)
        let engine = TradingEngine(
            journal: store, venue: SimulatedVenue(), settings: OrchestratorRuntime.traderSettings(config),
            prices: store)
        var out: [TradeExplanation] = []
        // Every held symbol's chain too, so the book's greeks cover positions in symbols not asked about.
        let held = try store.positions(status: [.open, .closing]).map(\.symbol)
        await engine.remember(try StoredPictures.latest(store: store, symbols: Array(Set(held).union(["SPY"]))))
        for picture in try StoredPictures.latest(store: store, symbols: symbols ?? config.collection.symbols) {
            out.append(try await engine.explain(picture, now: picture.chain.timestamp, killSwitch: killSwitch))
        }
        return out
    }
}
