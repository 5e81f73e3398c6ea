import AppConfig
import Testing

/// The risk book's `risk:` keys: read, validated with file:line:key, defaults as shipped.
@Suite struct RiskConfigTests {
    func issues(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.load(text: yaml, source: "paper_trading.yaml", environment: [:])
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func valuesAreRead() throws {
        let loaded = try ConfigLoader.load(
            text: """
                risk:
                  min_pop: 0.6
                  beta_weighted_delta_min: -50
                  beta_weighted_delta_max: 80
                  max_vega: 300
                  max_negative_gamma: 12.5
                  max_nlv_at_risk_by_vix: "0:0.2, 20:0.1, 30:0.05"
                  margin_reserve: 2500
                  beta_lookback_days: 90
                  scenario_horizon_days: 14
                """, source: "r.yaml", environment: [:])
        let r = loaded.config.risk
        #expect(r.minPOP == 0.6 && r.betaWeightedDeltaMin == -50 && r.betaWeightedDeltaMax == 80)
        #expect(r.maxVega == 300 && r.maxNegativeGamma == 12.5 && r.marginReserve == 2500)
        #expect(r.maxNLVAtRiskByVIX == "0:0.2, 20:0.1, 30:0.05")
        #expect(r.betaLookbackDays == 90 && r.scenarioHorizonDays == 14)
    }

    @Test func badValuesNameTheKeyAndLine() {
        #expect(
            issues("risk:\n  max_nlv_at_risk_by_vix: \"30:0.05, 0:0.10\"\n") == [
                "paper_trading.yaml:2: risk.max_nlv_at_risk_by_vix: must be 'VIX:share' pairs with rising VIX levels and shares in 0...1 (e.g. '0:0.10, 25:0.06'), got '30:0.05, 0:0.10'"
            ])
        #expect(
            issues("risk:\n  beta_weighted_delta_min: 100\n  beta_weighted_delta_max: 50\n") == [
                "paper_trading.yaml:2: risk.beta_weighted_delta_min: must be < risk.beta_weighted_delta_max (50), got 100"
            ])
        #expect(issues("risk:\n  min_pop: 1.5\n") == ["paper_trading.yaml:2: risk.min_pop: must be <= 1, got 1.5"])
    }

    @Test func everyNewKeyIsInTheReference() {
        let keys = ConfigSchema.fields.map(\.dotted)
        for key in [
            "risk.min_pop", "risk.beta_weighted_delta_min", "risk.beta_weighted_delta_max", "risk.max_vega",
            "risk.max_negative_gamma", "risk.max_nlv_at_risk_by_vix", "risk.margin_reserve",
            "risk.beta_lookback_days", "risk.scenario_horizon_days",
        ] {
            #expect(keys.contains(key), "\(key)")
        }
    }
}
