import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// How close a held position is to each exit rule, and which rule is nearest: the rules of
/// `PositionManagement.exitReasons`, each as a fraction of the way to its trigger (1 = fires now).
public struct ExitProximity: Sendable, Equatable {
    /// The nearest rule's name (`ExitReason`'s stored value).
    public var rule: String
    /// 0 far, 1 or more: triggers.
    public var progress: Double
    /// The rule's measure and threshold in words ("debit 1.10 of 2.40 stop").
    public var detail: String

    /// A rule's proximity.
    public init(rule: String, progress: Double, detail: String) {
        self.rule = rule
        self.progress = progress
        self.detail = detail
    }

    /// Every rule's proximity, nearest first; nil measures (no mark, no delta) are left out.
    public static func all(
        _ position: PositionRecord, mark: PositionMark?, today: TradingDay, rules: ExitRules
    ) -> [ExitProximity] {
        var out: [ExitProximity] = []
        let daysLeft = position.expiry.days(since: today)
        if let mark, let credit = position.entryCredit, credit > 0 {
            let captured = credit - mark.debit
            let target = rules.takeProfitPct * credit
            out.append(
                ExitProximity(
                    rule: ExitReason.takeProfit.rawValue, progress: target > 0 ? captured / target : 0,
                    detail: String(format: "captured %.2f of %.2f target", captured, target)))
            let stop = rules.stopLossMultiple * credit
            out.append(
                ExitProximity(
                    rule: ExitReason.stopLoss.rawValue, progress: stop > 0 ? mark.debit / stop : 0,
                    detail: String(format: "debit %.2f of %.2f stop", mark.debit, stop)))
        }
        if let spot = mark?.underlying, spot > 0 {
            // The nearest short strike: 1 when spot reaches it, 0 when spot is 10% or more away.
            let cushions = position.legs.filter { $0.action == .sell }.map { leg in
                leg.contract.right == .put ? (spot - leg.contract.strike) / spot : (leg.contract.strike - spot) / spot
            }
            if let cushion = cushions.min() {
                out.append(
                    ExitProximity(
                        rule: ExitReason.shortStrikeBreached.rawValue, progress: 1 - cushion / 0.10,
                        detail: String(format: "short strike %.1f%% from spot", cushion * 100)))
            }
        }
        if let delta = mark?.shortDelta, rules.shortDeltaExit > 0 {
            out.append(
                ExitProximity(
                    rule: ExitReason.shortDelta.rawValue, progress: delta / rules.shortDeltaExit,
                    detail: String(format: "short |delta| %.2f of %.2f", delta, rules.shortDeltaExit)))
        }
        // Days run from the entry's DTE down to the exit DTE: progress by the days left above it.
        let opened = position.openedAt.map { position.expiry.days(since: MarketCalendar().tradingDay(of: $0)) }
        let span = Double(max(1, (opened ?? 45) - rules.exitDTE))
        out.append(
            ExitProximity(
                rule: ExitReason.dteExit.rawValue, progress: 1 - Double(daysLeft - rules.exitDTE) / span,
                detail: "\(daysLeft) days left, exit at \(rules.exitDTE)"))
        return out.sorted { $0.progress > $1.progress }
    }

    /// The rule nearest to triggering, or nil when none can be measured.
    public static func nearest(
        _ position: PositionRecord, mark: PositionMark?, today: TradingDay, rules: ExitRules
    ) -> ExitProximity? {
        all(position, mark: mark, today: today, rules: rules).first
    }
}
