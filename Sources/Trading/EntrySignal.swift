import Foundation
import MarketData
import OptionsModel

/// The defined-risk structures the trader opens.
public enum StructureKind: String, Sendable, Codable, CaseIterable {
    /// Uptrend: sell a put, buy a lower put.
    case bullPutSpread = "bull_put_spread"
    /// Downtrend: sell a call, buy a higher call.
    case bearCallSpread = "bear_call_spread"
    /// Neutral: a bull put spread and a bear call spread together.
    case ironCondor = "iron_condor"
}

/// Entry thresholds (mapped from the `strategy:` section of the configuration).
public struct StrategyRules: Sendable, Equatable {
    public var minIVRank = 30.0
    public var vixMin = 12.0
    public var vixMax = 35.0
    public var enabled: Set<StructureKind> = Set(StructureKind.allCases)
    public var targetDTE = 45
    public var dteWindow = 30...60
    public var shortDelta = 0.20...0.30
    public var shortDeltaTarget = 0.25
    /// Long strike by width (dollars) or, when nil, by `longDelta`.
    public var spreadWidth: Double? = 5
    public var longDelta = 0.10
    public var minCreditFraction = 0.30
    public var maxSpreadPctOfMid = 0.25
    public var minOpenInterest = 100.0
    public var allowDelayedData = false
    public var quantity = 1

    public init() {}
}

/// One leg of a structure.
public struct StructureLeg: Sendable, Equatable {
    public enum Action: String, Sendable, Codable { case buy = "BUY", sell = "SELL" }
    public var action: Action
    public var option: OptionQuote
}

/// A structure the rules found, priced at mid.
public struct TradeCandidate: Sendable, Equatable {
    public var symbol: String
    public var structure: StructureKind
    public var expiry: Expiry
    public var legs: [StructureLeg]
    /// Net credit per share at mid.
    public var credit: Double
    /// The widest side's strike distance.
    public var width: Double
    public var quantity: Int

    /// (width - credit) x 100 x quantity: the most the position can lose.
    public var maxLoss: Double { (width - credit) * 100 * Double(quantity) }
    /// The natural (worst) credit: sell at bid, buy at ask.
    public var naturalCredit: Double {
        legs.reduce(0) { total, leg in
            let q = leg.option.quote
            return total + (leg.action == .sell ? (q.bid ?? 0) : -(q.ask ?? 0))
        }
    }
}

/// The entry decision for one underlying and why.
public enum EntryDecision: Sendable, Equatable {
    case trade(TradeCandidate)
    case noTrade(reason: String)
}

/// `evaluateEntrySignal`: IV rank and VIX gates, trend picks the structure, expiry nearest the target
/// DTE inside the window, short strikes by delta, long strikes by width (or delta), liquidity and data
/// quality gates on every leg, and the minimum credit.
public enum EntrySignal {
    public static func evaluate(_ picture: MarketPicture, rules: StrategyRules, now: Date) -> EntryDecision {
        guard picture.ivRank >= rules.minIVRank else {
            return .noTrade(reason: String(format: "IV rank %.1f below %.1f", picture.ivRank, rules.minIVRank))
        }
        guard let vix = picture.vix else { return .noTrade(reason: "VIX unknown") }
        guard vix >= rules.vixMin && vix <= rules.vixMax else {
            return .noTrade(reason: String(format: "VIX %.2f outside %.0f-%.0f", vix, rules.vixMin, rules.vixMax))
        }
        let structure: StructureKind =
            switch picture.trend {
            case .uptrend: .bullPutSpread
            case .downtrend: .bearCallSpread
            case .neutral: .ironCondor
            }
        guard rules.enabled.contains(structure) else {
            return .noTrade(reason: "\(structure.rawValue) is disabled (trend \(picture.trend.rawValue))")
        }
        let today = MarketCalendar().tradingDay(of: now)
        let expiries = picture.chain.expiries.filter { rules.dteWindow.contains($0.days(since: today)) }
        guard
            let expiry = expiries.min(by: {
                abs($0.days(since: today) - rules.targetDTE) < abs($1.days(since: today) - rules.targetDTE)
            })
        else {
            return .noTrade(reason: "no expiry within \(rules.dteWindow.lowerBound)-\(rules.dteWindow.upperBound) DTE")
        }
        let rows = picture.chain.options.filter { $0.contract.expiry == expiry }
        var legs: [StructureLeg] = []
        var width = 0.0
        let sides: [OptionRight] =
            structure == .bullPutSpread ? [.put] : structure == .bearCallSpread ? [.call] : [.put, .call]
        for right in sides {
            switch vertical(rows.filter { $0.contract.right == right }, right: right, rules: rules) {
            case .success(let (short, long)):
                legs += [StructureLeg(action: .sell, option: short), StructureLeg(action: .buy, option: long)]
                width = max(width, abs(short.contract.strike - long.contract.strike))
            case .failure(let problem):
                return .noTrade(reason: "\(right == .put ? "put" : "call") side: \(problem.reason)")
            }
        }
        let credit = legs.reduce(0.0) { $0 + ($1.action == .sell ? 1 : -1) * ($1.option.quote.mid ?? 0) }
        guard credit >= rules.minCreditFraction * width else {
            return .noTrade(
                reason: String(
                    format: "credit %.2f below %.0f%% of the %.2f width", credit, rules.minCreditFraction * 100, width))
        }
        return .trade(
            TradeCandidate(
                symbol: picture.symbol, structure: structure, expiry: expiry, legs: legs, credit: credit, width: width,
                quantity: rules.quantity))
    }

    struct Problem: Error { let reason: String }

    /// A usable row: quote two-sided and tight enough, enough open interest, greeks present, fresh.
    static func problem(with o: OptionQuote, rules: StrategyRules) -> String? {
        if o.flags.contains(.greeksMissing) || !o.greeks.isUsable { return "\(o.contract) has no greeks" }
        if o.flags.contains(.stale) { return "\(o.contract) quote is stale" }
        if o.flags.contains(.delayed) && !rules.allowDelayedData { return "\(o.contract) is delayed data" }
        guard let spread = o.quote.spreadFraction else { return "\(o.contract) has no two-sided quote" }
        if spread > rules.maxSpreadPctOfMid {
            return String(format: "%@ spread %.0f%% of mid", "\(o.contract)", spread * 100)
        }
        if rules.minOpenInterest > 0 && (o.quote.openInterest ?? 0) < rules.minOpenInterest {
            return
                "\(o.contract) open interest \(o.quote.openInterest.map { String(Int($0)) } ?? "unknown") below \(Int(rules.minOpenInterest))"
        }
        return nil
    }

    /// The short strike by delta and the long strike by width or delta, further out of the money.
    static func vertical(_ rows: [OptionQuote], right: OptionRight, rules: StrategyRules) -> Result<
        (OptionQuote, OptionQuote), Problem
    > {
        let candidates = rows.filter { o in
            guard let d = o.greeks.delta else { return false }
            return rules.shortDelta.contains(abs(d))
        }
        guard
            let short = candidates.min(by: {
                abs(abs($0.greeks.delta ?? 0) - rules.shortDeltaTarget)
                    < abs(abs($1.greeks.delta ?? 0) - rules.shortDeltaTarget)
            })
        else {
            return .failure(
                Problem(
                    reason:
                        "no short strike with |delta| in \(rules.shortDelta.lowerBound)-\(rules.shortDelta.upperBound)")
            )
        }
        if let p = problem(with: short, rules: rules) { return .failure(Problem(reason: p)) }
        let further: (OptionQuote) -> Bool = {
            right == .put ? $0.contract.strike < short.contract.strike : $0.contract.strike > short.contract.strike
        }
        let long: OptionQuote?
        if let width = rules.spreadWidth {
            let target = short.contract.strike + (right == .put ? -width : width)
            long = rows.first { abs($0.contract.strike - target) < 1e-9 }
        } else {
            long = rows.filter(further).min(by: {
                abs(abs($0.greeks.delta ?? 0) - rules.longDelta) < abs(abs($1.greeks.delta ?? 0) - rules.longDelta)
            })
        }
        guard let long else {
            return .failure(
                Problem(
                    reason:
                        "no long strike \(rules.spreadWidth.map { "$\($0)" } ?? "by delta") beyond \(short.contract.strike)"
                ))
        }
        if let p = problem(with: long, rules: rules) { return .failure(Problem(reason: p)) }
        return .success((short, long))
    }
}
