import Foundation
import OptionsModel
import SnapshotStore

extension RiskCheck {
    /// The gates on the whole book with the entry added: probability of profit, beta-weighted delta,
    /// vega, negative gamma, the share of net liquidation at risk (by VIX band) and Reg-T margin. Each
    /// refusal names its `risk:` key.
    static func bookGates(for candidate: TradeCandidate, book: BookState, limits: RiskLimits, into out: inout [Gate]) {
        func check(
            _ name: String, _ value: String, _ threshold: String, _ ok: Bool, _ refusal: @autoclosure () -> String
        ) -> Bool {
            out.append(gate(name, value, threshold, ok, refusal()))
            return ok
        }
        func pct(_ x: Double) -> String { String(format: "%.0f%%", x * 100) }
        if let odds = candidate.odds {
            guard
                check(
                    "probability of profit", pct(odds.pop), "risk.min_pop \(pct(limits.minPOP))",
                    odds.pop >= limits.minPOP,
                    "probability of profit \(pct(odds.pop)) below risk.min_pop \(pct(limits.minPOP))")
            else { return }
        }
        let mine = candidate.greeks ?? BookGreeks()
        let after = BookGreeks(
            delta: book.greeks.delta + mine.delta, gamma: book.greeks.gamma + mine.gamma,
            theta: book.greeks.theta + mine.theta, vega: book.greeks.vega + mine.vega,
            betaWeightedDelta: book.greeks.betaWeightedDelta + mine.betaWeightedDelta)
        let band = limits.betaWeightedDeltaBand
        let bandText = String(format: "%.0f..%.0f", band.lowerBound, band.upperBound)
        guard
            check(
                "beta-weighted delta", String(format: "%+.1f SPY shares with this trade", after.betaWeightedDelta),
                "risk.beta_weighted_delta_min..max \(bandText)", band.contains(after.betaWeightedDelta),
                String(
                    format:
                        "beta-weighted delta %+.1f SPY shares with this trade outside risk.beta_weighted_delta_min..max %@",
                    after.betaWeightedDelta, bandText))
        else { return }
        guard
            check(
                "vega", String(format: "%.2f per vol point with this trade", after.vega),
                String(format: "risk.max_vega %.2f", limits.maxVega), abs(after.vega) <= limits.maxVega,
                String(
                    format: "vega %.2f per vol point with this trade beyond risk.max_vega %.2f", after.vega,
                    limits.maxVega))
        else { return }
        guard
            check(
                "negative gamma", String(format: "%.3f shares per $1 with this trade", after.gamma),
                String(format: "risk.max_negative_gamma %.3f", limits.maxNegativeGamma),
                after.gamma >= -limits.maxNegativeGamma,
                String(
                    format: "gamma %.3f shares per $1 with this trade beyond risk.max_negative_gamma %.3f", after.gamma,
                    limits.maxNegativeGamma))
        else { return }
        guard let nlv = book.netLiquidation, nlv > 0 else { return }
        if let vixBand = limits.atRiskBand(vix: book.vix) {
            let atRisk = book.open.reduce(0) { $0 + $1.maxLoss } + candidate.maxLoss
            let share = atRisk / nlv
            let bandWords = String(
                format: "risk.max_nlv_at_risk_by_vix %@ from VIX %.0f (VIX %@)", pct(vixBand.maxShare),
                vixBand.fromVIX, book.vix.map { String(format: "%.2f", $0) } ?? "unknown")
            guard
                check(
                    "net liquidation at risk", String(format: "%.2f%% (%.2f of %.2f)", share * 100, atRisk, nlv),
                    bandWords, share <= vixBand.maxShare,
                    String(
                        format: "max loss %.2f would be %.2f%% of net liquidation %.2f, above %@", atRisk,
                        share * 100, nlv, bandWords))
            else { return }
        }
        let legs = candidate.legs.map {
            ($0.option.contract, $0.action.sign * Double(candidate.quantity))
        }
        let need = RegTRequirement.initial(legs) ?? .infinity
        let available = nlv - book.heldMargin
        _ = check(
            "margin (Reg-T)", String(format: "%.2f of %.2f available", need, available),
            String(format: "risk.margin_reserve %.2f kept", limits.marginReserve),
            need <= available - limits.marginReserve,
            String(
                format: "initial margin %.2f exceeds available funds %.2f less risk.margin_reserve %.2f", need,
                available, limits.marginReserve))
    }
}
