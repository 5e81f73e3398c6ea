import Foundation
import MarketData
import OptionsModel
import SnapshotStore

/// Entry thresholds (mapped from the `strategy:` section of the configuration; these are the defaults).
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
    /// A $5 spread sold at 0.25 delta collects about its short delta of the width (20-28% on the
    /// index ETFs); 30% needs a short nearer 0.30 delta.
    public var minCreditFraction = 0.20
    public var maxSpreadPctOfMid = 0.25
    public var minOpenInterest = 100.0
    public var allowDelayedData = false
    public var quantity = 1
    /// Entries while IV rank is not yet measured (fewer than 30 days of IV history): refused, or
    /// allowed on DESIGN's 50.0 placeholder.
    public var unknownIVRank = UnknownIVRank.refuse
    /// Refuse a short call that is held over an ex-dividend date with less time value than the
    /// dividend: it would be assigned early (its holder exercises the day before to collect).
    public var refuseShortCallsOverExDividend = true

    /// What an entry does while IV rank has no history behind it.
    public enum UnknownIVRank: String, Sendable, Equatable, CaseIterable {
        case allow
        case refuse
    }

    /// The defaults.
    public init() {}

    /// What the collector must collect for these rules.
    public var needs: StrategyNeeds {
        StrategyNeeds(
            dteWindow: dteWindow, targetDTE: targetDTE, shortDelta: shortDelta, spreadWidth: spreadWidth,
            longDelta: longDelta)
    }
}

/// One leg of a structure.
public struct StructureLeg: Sendable, Equatable {
    public var action: LegAction
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
    /// Probability of profit, of touch, expected move and credit / max loss (set by the engine).
    public var odds: CandidateOdds? = nil
    /// The structure's greeks at its quantity, beta-weighted (set by the engine).
    public var greeks: BookGreeks? = nil

    /// (width - credit) x 100 x quantity: the most the position can lose.
    public var maxLoss: Double { (width - credit) * 100 * Double(quantity) }
    /// The natural (worst) credit: sell at bid, buy at ask.
    public var naturalCredit: Double {
        legs.reduce(0) { total, leg in
            let q = leg.option.quote
            return total + (leg.action == .sell ? (q.bid ?? 0) : -(q.ask ?? 0))
        }
    }
    /// Prices at which the position breaks even at expiry: short put - credit, short call + credit.
    public var breakevens: [Double] {
        legs.filter { $0.action == .sell }.map { leg in
            leg.option.contract.right == .put
                ? leg.option.contract.strike - credit : leg.option.contract.strike + credit
        }.sorted()
    }
    /// "bull put spread 20260417 560/555 credit 1.42".
    public var summary: String {
        let strikes = legs.map { PositionRecord.strike($0.option.contract.strike) }.joined(separator: "/")
        return String(format: "%@ %@ %@ credit %.2f", structure.words, expiry.yyyymmdd, strikes, credit)
    }
}

/// The entry decision for one underlying and why.
public enum EntryDecision: Sendable, Equatable {
    case trade(TradeCandidate)
    case noTrade(reason: String)
}

/// One gate of a decision: what was measured against what, and whether it passed.
public struct DecisionGate: Sendable, Equatable, Codable {
    /// The gate ("IV rank", "VIX", "expiry", "put side", "max risk per trade", ...).
    public var name: String
    /// What the market or book showed.
    public var value: String
    /// What the configuration asks.
    public var threshold: String
    public var passed: Bool

    /// A gate.
    public init(_ name: String, value: String, threshold: String, passed: Bool) {
        self.name = name
        self.value = value
        self.threshold = threshold
        self.passed = passed
    }

    /// "IV rank 28.4 (min 30.0): refused".
    public var line: String { "\(name): \(value) (\(threshold)) \(passed ? "ok" : "REFUSED")" }
}

/// The entry signal with every gate it checked, in order (what `explain` shows and the journal keeps).
public struct EntryEvaluation: Sendable, Equatable {
    public var gates: [DecisionGate] = []
    /// Strikes the signal looked at, one line each (delta, credit, spread, open interest, flags).
    public var considered: [String] = []
    public var decision: EntryDecision = .noTrade(reason: "not evaluated")

    mutating func check(_ name: String, _ value: String, _ threshold: String, _ passed: Bool) -> Bool {
        gates.append(DecisionGate(name, value: value, threshold: threshold, passed: passed))
        return passed
    }
}

/// `evaluateEntrySignal`: IV rank and VIX gates, trend picks the structure, expiry nearest the target
/// DTE inside the window, short strikes by delta, long strikes by width (or delta), liquidity and data
/// quality gates on every leg, and the minimum credit.
public enum EntrySignal {
    /// The decision alone.
    public static func evaluate(_ picture: MarketPicture, rules: StrategyRules, now: Date) -> EntryDecision {
        explain(picture, rules: rules, now: now).decision
    }

    /// The decision with every gate it passed and the first it failed.
    public static func explain(_ picture: MarketPicture, rules: StrategyRules, now: Date) -> EntryEvaluation {
        var e = EntryEvaluation()
        func refuse(_ reason: String) -> EntryEvaluation {
            e.decision = .noTrade(reason: reason)
            return e
        }
        if !picture.ivRankKnown {
            guard
                e.check(
                    "IV rank", "unknown (fewer than 30 days of IV history; 50.0 stands in)",
                    "strategy.iv_rank_until_history: \(rules.unknownIVRank.rawValue)", rules.unknownIVRank == .allow)
            else {
                return refuse(
                    "IV rank unknown: fewer than 30 days of IV history (strategy.iv_rank_until_history: refuse)")
            }
        }
        guard
            e.check(
                "IV rank", String(format: "%.1f", picture.ivRank), String(format: "min %.1f", rules.minIVRank),
                picture.ivRank >= rules.minIVRank)
        else { return refuse(String(format: "IV rank %.1f below %.1f", picture.ivRank, rules.minIVRank)) }
        guard let vix = picture.vix else {
            _ = e.check("VIX", "unknown", "\(Int(rules.vixMin))-\(Int(rules.vixMax))", false)
            return refuse("VIX unknown")
        }
        guard
            e.check(
                "VIX", String(format: "%.2f", vix), String(format: "%.0f-%.0f", rules.vixMin, rules.vixMax),
                vix >= rules.vixMin && vix <= rules.vixMax)
        else { return refuse(String(format: "VIX %.2f outside %.0f-%.0f", vix, rules.vixMin, rules.vixMax)) }
        let structure: StructureKind =
            switch picture.trend {
            case .uptrend: .bullPutSpread
            case .downtrend: .bearCallSpread
            case .neutral: .ironCondor
            }
        guard
            e.check(
                "trend", "\(picture.trend.rawValue) -> \(structure.words)", "enabled structures",
                rules.enabled.contains(structure))
        else { return refuse("\(structure.rawValue) is disabled (trend \(picture.trend.rawValue))") }
        let today = MarketCalendar().tradingDay(of: now)
        let window = "\(rules.dteWindow.lowerBound)-\(rules.dteWindow.upperBound) DTE, target \(rules.targetDTE)"
        guard let expiry = nearestExpiry(picture.chain.expiries, rules: rules, today: today) else {
            _ = e.check("expiry", "none of \(picture.chain.expiries.count) collected", window, false)
            return refuse("no expiry within \(rules.dteWindow.lowerBound)-\(rules.dteWindow.upperBound) DTE")
        }
        _ = e.check("expiry", "\(expiry.yyyymmdd) (\(expiry.days(since: today)) DTE)", window, true)
        let rows = picture.chain.options.filter { $0.contract.expiry == expiry }
        var legs: [StructureLeg] = []
        var width = 0.0
        let sides: [OptionRight] =
            structure == .bullPutSpread ? [.put] : structure == .bearCallSpread ? [.call] : [.put, .call]
        for right in sides {
            let side = right == .put ? "put side" : "call side"
            switch vertical(rows.filter { $0.contract.right == right }, right: right, rules: rules) {
            case .success(let (short, long)):
                e.considered += [describe(short, as: "short"), describe(long, as: "long")]
                _ = e.check(
                    side, "\(strike(short))/\(strike(long))",
                    "short |delta| \(rules.shortDelta.lowerBound)-\(rules.shortDelta.upperBound), long \(rules.spreadWidth.map { "$\(number($0)) wide" } ?? "|delta| \(rules.longDelta)"), quotes usable",
                    true)
                legs += [StructureLeg(action: .sell, option: short), StructureLeg(action: .buy, option: long)]
                width = max(width, abs(short.contract.strike - long.contract.strike))
            case .failure(let problem):
                if let row = problem.row { e.considered.append(describe(row, as: "candidate")) }
                _ = e.check(side, problem.reason, "a usable vertical", false)
                return refuse("\(side): \(problem.reason)")
            }
        }
        let credit = legs.reduce(0.0) { $0 - $1.action.sign * ($1.option.quote.mid ?? 0) }
        guard
            e.check(
                "credit", String(format: "%.2f on %.2f wide", credit, width),
                String(
                    format: "min %.0f%% of width = %.2f", rules.minCreditFraction * 100, rules.minCreditFraction * width
                ),
                credit >= rules.minCreditFraction * width)
        else {
            return refuse(
                String(
                    format: "credit %.2f below %.0f%% of the %.2f width", credit, rules.minCreditFraction * 100, width))
        }
        if rules.refuseShortCallsOverExDividend, let dividend = picture.nextDividend, dividend.exDate > today,
            let spot = picture.price
        {
            for leg in legs where leg.action == .sell && leg.option.contract.right == .call {
                let contract = leg.option.contract
                guard contract.expiry >= dividend.exDate, let mid = leg.option.quote.mid else { continue }
                let timeValue = mid - PositionManagement.intrinsic(contract, underlying: spot)
                let value = String(
                    format: "short %@ call time value %.2f, dividend %.2f ex %@", strike(leg.option), timeValue,
                    dividend.amount, dividend.exDate.yyyymmdd)
                guard e.check("ex-dividend", value, "time value at least the dividend", timeValue >= dividend.amount)
                else {
                    return refuse(
                        String(
                            format:
                                "ex-dividend: the short %@ call's time value %.2f is below the %.2f dividend going ex on %@ before its expiry (early assignment risk; strategy.refuse_short_calls_over_ex_dividend)",
                            strike(leg.option), timeValue, dividend.amount, dividend.exDate.yyyymmdd))
                }
            }
        }
        e.decision = .trade(
            TradeCandidate(
                symbol: picture.symbol, structure: structure, expiry: expiry, legs: legs, credit: credit, width: width,
                quantity: rules.quantity))
        return e
    }

    /// The expiry nearest the target DTE inside the window (the earlier one on a tie).
    public static func nearestExpiry(_ expiries: [Expiry], rules: StrategyRules, today: TradingDay) -> Expiry? {
        StrategyNeeds.nearestExpiry(expiries, window: rules.dteWindow, target: rules.targetDTE, today: today)
    }

    struct Problem: Error {
        let reason: String
        var row: OptionQuote? = nil
    }

    static func strike(_ o: OptionQuote) -> String { PositionRecord.strike(o.contract.strike) }
    static func number(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    static func describe(_ o: OptionQuote, as role: String) -> String {
        let q = o.quote
        return String(
            format: "%@ %@ %@%@: delta %@, bid %@ ask %@, spread %@, open interest %@%@", role,
            o.contract.expiry.yyyymmdd,
            strike(o), o.contract.right == .put ? "P" : "C", o.greeks.delta.map { String(format: "%.3f", $0) } ?? "-",
            q.bid.map { String(format: "%.2f", $0) } ?? "-", q.ask.map { String(format: "%.2f", $0) } ?? "-",
            q.spreadFraction.map { String(format: "%.0f%% of mid", $0 * 100) } ?? "-",
            q.openInterest.map { String(Int($0)) } ?? "unknown",
            o.flags.names.isEmpty ? "" : ", flags " + o.flags.names.joined(separator: ","))
    }

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
        if let p = problem(with: short, rules: rules) { return .failure(Problem(reason: p, row: short)) }
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
                        "no long strike \(rules.spreadWidth.map { "$\($0)" } ?? "by delta") beyond \(short.contract.strike)",
                    row: short))
        }
        if let p = problem(with: long, rules: rules) { return .failure(Problem(reason: p, row: long)) }
        return .success((short, long))
    }
}
