import Foundation
import OptionsModel
import SnapshotStore

/// Risk limits (mapped from the `risk:` section of the configuration; these are the defaults).
public struct RiskLimits: Sendable, Equatable {
    public var maxOpenPositions = 5
    public var maxPositionsPerSymbol = 2
    public var maxRiskPerTrade = 500.0
    public var maxTotalRisk = 2500.0
    public var maxNewPositionsPerDay = 3
    /// A fall of the book's equity since the previous session's close that halts entries.
    public var dailyLossLimit = 1000.0
    /// Minutes after midnight New York.
    public var tradingWindow = (9 * 60 + 45)...(15 * 60 + 45)
    public var noEntryMinutesBeforeClose = 15
    /// Allow an entry whose strikes overlap an open position's in the same symbol and expiry.
    public var allowOverlappingPositions = false
    /// Lowest probability of profit at expiry an entry may have (0 = no minimum).
    public var minPOP = 0.45
    /// The book's beta-weighted delta (SPY shares) with the entry must stay inside this band.
    public var betaWeightedDeltaBand = -250.0...250.0
    /// Largest absolute vega of the book with the entry, dollars per volatility point.
    public var maxVega = 1000.0
    /// Largest negative gamma of the book with the entry, shares per $1 move.
    public var maxNegativeGamma = 100.0
    /// Share of net liquidation the book's max loss may reach, by VIX: the band with the highest
    /// `fromVIX` at or below the VIX applies (tighter as VIX rises).
    public var netLiquidationAtRisk = [VIXBand(fromVIX: 0, maxShare: 0.10), VIXBand(fromVIX: 25, maxShare: 0.06)]
    /// Dollars of available funds an entry's initial margin must leave untouched.
    public var marginReserve = 1000.0

    /// The defaults.
    public init() {}

    /// The band of `netLiquidationAtRisk` that applies at `vix` (the tightest when VIX is unknown).
    public func atRiskBand(vix: Double?) -> VIXBand? {
        let sorted = netLiquidationAtRisk.sorted { $0.fromVIX < $1.fromVIX }
        guard let vix else { return sorted.last }
        return sorted.last { $0.fromVIX <= vix } ?? sorted.first
    }
}

/// One row of the VIX table of `risk.max_nlv_at_risk_by_vix`: from this VIX up, at most this share of
/// net liquidation at risk.
public struct VIXBand: Sendable, Equatable, Codable {
    /// The band applies from this VIX up.
    public var fromVIX: Double
    /// Largest max loss / net liquidation, 0...1.
    public var maxShare: Double

    /// A band.
    public init(fromVIX: Double, maxShare: Double) {
        self.fromVIX = fromVIX
        self.maxShare = maxShare
    }

    /// Parses `"0:0.10, 25:0.06"` (VIX from : share of net liquidation); nil when malformed, a share is
    /// outside 0...1, or the VIX levels do not rise.
    public static func parseTable(_ text: String) -> [VIXBand]? {
        var out: [VIXBand] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let vix = Double(parts[0]), let share = Double(parts[1]), vix >= 0,
                (0...1).contains(share), vix > (out.last?.fromVIX ?? -1)
            else { return nil }
            out.append(VIXBand(fromVIX: vix, maxShare: share))
        }
        return out.isEmpty ? nil : out
    }

    /// The table as `parseTable` reads it.
    public static func text(_ bands: [VIXBand]) -> String {
        bands.map { "\(formatted($0.fromVIX)):\(formatted($0.maxShare))" }.joined(separator: ", ")
    }

    static func formatted(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
}

/// A held position as the risk checks see it.
public struct BookPosition: Sendable, Equatable {
    public var symbol: String
    public var expiry: Expiry
    public var maxLoss: Double
    /// Strike span per right (lowest...highest strike of that right's legs).
    public var spans: [OptionRight: ClosedRange<Double>]

    /// A position's risk footprint.
    public init(symbol: String, expiry: Expiry, maxLoss: Double, spans: [OptionRight: ClosedRange<Double>]) {
        self.symbol = symbol
        self.expiry = expiry
        self.maxLoss = maxLoss
        self.spans = spans
    }

    /// The footprint of legs.
    public static func spans(_ legs: [(OptionRight, Double)]) -> [OptionRight: ClosedRange<Double>] {
        var out: [OptionRight: ClosedRange<Double>] = [:]
        for (right, k) in legs {
            let s = out[right]
            out[right] = min(s?.lowerBound ?? k, k)...max(s?.upperBound ?? k, k)
        }
        return out
    }
}

/// What the risk checks need to know about the book.
public struct BookState: Sendable, Equatable {
    public var open: [BookPosition]
    public var openedToday: Int
    /// Change of equity since the previous session's close (negative = loss).
    public var dayPnL: Double
    public var killSwitch: Bool
    /// The held options' greeks (totals of the risk book).
    public var greeks = BookGreeks()
    /// The book's equity (the account's net liquidation for ib_paper); nil leaves the share-at-risk and
    /// margin gates out.
    public var netLiquidation: Double?
    /// Reg-T initial margin of what is held.
    public var heldMargin = 0.0
    /// VIX now, for the share-at-risk band.
    public var vix: Double?

    /// A book.
    public init(open: [BookPosition] = [], openedToday: Int = 0, dayPnL: Double = 0, killSwitch: Bool = false) {
        self.open = open
        self.openedToday = openedToday
        self.dayPnL = dayPnL
        self.killSwitch = killSwitch
    }
}

/// The risk checks an entry must pass; each refusal says which limit and by how much.
public enum RiskCheck {
    /// The first refusal, or nil when every limit passes.
    public static func refusal(for candidate: TradeCandidate, book: BookState, limits: RiskLimits, now: Date) -> String?
    {
        let gates = gates(for: candidate, book: book, limits: limits, now: now)
        return gates.first { !$0.passed }.map(\.refusal)
    }

    /// A gate with the words of its refusal.
    public struct Gate: Sendable, Equatable {
        public var gate: DecisionGate
        public var refusal: String
        public var passed: Bool { gate.passed }
    }

    /// One gate's record: its value against its threshold, and the refusal in words when it fails.
    static func gate(
        _ name: String, _ value: String, _ threshold: String, _ ok: Bool, _ refusal: @autoclosure () -> String
    ) -> Gate {
        Gate(gate: DecisionGate(name, value: value, threshold: threshold, passed: ok), refusal: ok ? "" : refusal())
    }

    /// Every limit in order, with its current use (what `explain` shows); stops at the first refusal.
    public static func gates(for candidate: TradeCandidate, book: BookState, limits: RiskLimits, now: Date) -> [Gate] {
        let calendar = MarketCalendar()
        var out: [Gate] = []
        func check(
            _ name: String, _ value: String, _ threshold: String, _ ok: Bool, _ refusal: @autoclosure () -> String
        ) -> Bool {
            out.append(gate(name, value, threshold, ok, refusal()))
            return ok
        }
        func hm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        guard check("kill switch", book.killSwitch ? "on" : "off", "off", !book.killSwitch, "kill switch is on")
        else { return out }
        let minute = calendar.minuteOfDay(now)
        guard
            check(
                "trading window", hm(minute),
                "\(hm(limits.tradingWindow.lowerBound))-\(hm(limits.tradingWindow.upperBound))",
                limits.tradingWindow.contains(minute) && calendar.isRegularSession(now), "outside the trading window")
        else { return out }
        if let close = calendar.closeMinute(on: calendar.tradingDay(of: now)) {
            guard
                check(
                    "before the close", "\(close - minute) minutes left",
                    "at least \(limits.noEntryMinutesBeforeClose)", close - minute >= limits.noEntryMinutesBeforeClose,
                    "within \(limits.noEntryMinutesBeforeClose) minutes of the close")
            else { return out }
        }
        guard
            check(
                "daily loss", String(format: "%.2f since the previous close", book.dayPnL),
                String(format: "loss below %.2f", limits.dailyLossLimit), -book.dayPnL < limits.dailyLossLimit,
                String(format: "daily loss %.2f reached the %.2f limit", -book.dayPnL, limits.dailyLossLimit))
        else { return out }
        guard
            check(
                "open positions", "\(book.open.count)", "max \(limits.maxOpenPositions)",
                book.open.count < limits.maxOpenPositions,
                "\(book.open.count) open positions (max \(limits.maxOpenPositions))")
        else { return out }
        let sameSymbol = book.open.filter { $0.symbol == candidate.symbol }
        guard
            check(
                "\(candidate.symbol) positions", "\(sameSymbol.count)", "max \(limits.maxPositionsPerSymbol)",
                sameSymbol.count < limits.maxPositionsPerSymbol,
                "\(sameSymbol.count) open \(candidate.symbol) positions (max \(limits.maxPositionsPerSymbol))")
        else { return out }
        guard
            check(
                "opened today", "\(book.openedToday)", "max \(limits.maxNewPositionsPerDay)",
                book.openedToday < limits.maxNewPositionsPerDay,
                "\(book.openedToday) positions opened today (max \(limits.maxNewPositionsPerDay))")
        else { return out }
        guard
            check(
                "risk per trade", String(format: "%.2f", candidate.maxLoss),
                String(format: "max %.2f", limits.maxRiskPerTrade), candidate.maxLoss <= limits.maxRiskPerTrade,
                String(format: "risk %.2f above %.2f per trade", candidate.maxLoss, limits.maxRiskPerTrade))
        else { return out }
        let total = book.open.reduce(0) { $0 + $1.maxLoss } + candidate.maxLoss
        guard
            check(
                "total risk", String(format: "%.2f with this trade", total),
                String(format: "max %.2f", limits.maxTotalRisk),
                total <= limits.maxTotalRisk,
                String(format: "total risk %.2f would exceed %.2f", total, limits.maxTotalRisk))
        else { return out }
        if !limits.allowOverlappingPositions {
            let mine = BookPosition.spans(candidate.legs.map { ($0.option.contract.right, $0.option.contract.strike) })
            let overlapping = sameSymbol.first { held in
                held.expiry == candidate.expiry
                    && mine.contains { right, span in held.spans[right].map { $0.overlaps(span) } ?? false }
            }
            guard
                check(
                    "overlap", overlapping.map { "overlaps an open \($0.expiry.yyyymmdd) position" } ?? "none",
                    "no overlapping strikes in the same expiry", overlapping == nil,
                    "overlaps the strikes of an open \(candidate.symbol) \(candidate.expiry.yyyymmdd) position (risk.allow_overlapping_positions is off)"
                )
            else { return out }
        }
        bookGates(for: candidate, book: book, limits: limits, into: &out)
        return out
    }
}
