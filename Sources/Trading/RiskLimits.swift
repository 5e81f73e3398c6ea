import Foundation
import OptionsModel

/// Risk limits (mapped from the `risk:` section of the configuration).
public struct RiskLimits: Sendable, Equatable {
    public var maxOpenPositions = 5
    public var maxPositionsPerSymbol = 2
    public var maxRiskPerTrade = 500.0
    public var maxTotalRisk = 2500.0
    public var maxNewPositionsPerDay = 3
    public var dailyLossLimit = 1000.0
    /// Minutes after midnight New York.
    public var tradingWindow = (9 * 60 + 45)...(15 * 60 + 45)
    public var noEntryMinutesBeforeClose = 15

    public init() {}
}

/// What the risk checks need to know about the book.
public struct BookState: Sendable, Equatable {
    /// Open positions: symbol and max loss.
    public var open: [(symbol: String, maxLoss: Double)]
    public var openedToday: Int
    /// Realized plus unrealized P&L of the trading day (negative = loss).
    public var dayPnL: Double
    public var killSwitch: Bool

    public init(
        open: [(symbol: String, maxLoss: Double)] = [], openedToday: Int = 0, dayPnL: Double = 0,
        killSwitch: Bool = false
    ) {
        self.open = open
        self.openedToday = openedToday
        self.dayPnL = dayPnL
        self.killSwitch = killSwitch
    }

    public static func == (a: BookState, b: BookState) -> Bool {
        a.open.map(\.symbol) == b.open.map(\.symbol) && a.open.map(\.maxLoss) == b.open.map(\.maxLoss)
            && a.openedToday == b.openedToday
            && a.dayPnL == b.dayPnL && a.killSwitch == b.killSwitch
    }
}

/// The risk checks an entry must pass; each refusal says which limit and by how much.
public enum RiskCheck {
    public static func refusal(for candidate: TradeCandidate, book: BookState, limits: RiskLimits, now: Date) -> String?
    {
        let calendar = MarketCalendar()
        if book.killSwitch { return "kill switch is on" }
        let minute = calendar.minuteOfDay(now)
        guard limits.tradingWindow.contains(minute), calendar.isRegularSession(now) else {
            return "outside the trading window"
        }
        if let close = calendar.closeMinute(on: calendar.tradingDay(of: now)),
            close - minute < limits.noEntryMinutesBeforeClose
        {
            return "within \(limits.noEntryMinutesBeforeClose) minutes of the close"
        }
        if -book.dayPnL >= limits.dailyLossLimit {
            return String(format: "daily loss %.2f reached the %.2f limit", -book.dayPnL, limits.dailyLossLimit)
        }
        if book.open.count >= limits.maxOpenPositions {
            return "\(book.open.count) open positions (max \(limits.maxOpenPositions))"
        }
        let sameSymbol = book.open.filter { $0.symbol == candidate.symbol }.count
        if sameSymbol >= limits.maxPositionsPerSymbol {
            return "\(sameSymbol) open \(candidate.symbol) positions (max \(limits.maxPositionsPerSymbol))"
        }
        if book.openedToday >= limits.maxNewPositionsPerDay {
            return "\(book.openedToday) positions opened today (max \(limits.maxNewPositionsPerDay))"
        }
        if candidate.maxLoss > limits.maxRiskPerTrade {
            return String(format: "risk %.2f above %.2f per trade", candidate.maxLoss, limits.maxRiskPerTrade)
        }
        let total = book.open.reduce(0) { $0 + $1.maxLoss } + candidate.maxLoss
        if total > limits.maxTotalRisk {
            return String(format: "total risk %.2f would exceed %.2f", total, limits.maxTotalRisk)
        }
        return nil
    }
}
