import Foundation
import OptionsModel
import TestSupport
import Testing

@testable import AppConfig

@Suite struct ConfigLoaderTests {
    func issues(_ yaml: String, env: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigLoader.load(text: yaml, source: "paper_trading.yaml", environment: env)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func emptyFileIsTheDefaults() throws {
        let loaded = try ConfigLoader.load(text: "", source: "x.yaml")
        #expect(loaded.config == PaperTraderConfig.defaults)
        #expect(loaded.config.gateway.port == 4002)
        #expect(loaded.config.collection.symbols == ["SPY", "QQQ", "IWM"])
        #expect(loaded.config.collection.intervalSeconds == 300)
        #expect(loaded.config.circuitBreaker.failureThreshold == 5)
    }

    @Test func valuesAreRead() throws {
        let yaml = """
            gateway:
              port: 7497
              market_data_type: delayed_frozen
            collection:
              symbols: [SPY, TSLA]
              interval_seconds: 60
              hours:
                start: "10:00"
            strategy:
              structures:
                iron_condor: false
            """
        let c = try ConfigLoader.load(text: yaml, source: "x.yaml").config
        #expect(c.gateway.port == 7497)
        #expect(c.gateway.marketDataType == .delayedFrozen)
        #expect(c.collection.symbols == ["SPY", "TSLA"])
        #expect(c.collection.intervalSeconds == 60)
        #expect(c.collection.hoursStart == "10:00")
        #expect(!c.strategy.ironCondor)
    }

    @Test func intervalBelowTheFloor() {
        let yaml = "gateway:\n  port: 4002\ncollection:\n  interval_seconds: 30\n"
        #expect(issues(yaml) == ["paper_trading.yaml:4: collection.interval_seconds: must be >= 60, got 30"])
    }

    @Test func unknownKeyWithDidYouMean() {
        #expect(
            issues("collection:\n  interval_secs: 300\n") == [
                "paper_trading.yaml:2: collection.interval_secs: unknown key (did you mean 'interval_seconds'?)"
            ])
        #expect(
            issues("gatway:\n  port: 1\n") == ["paper_trading.yaml:1: gatway: unknown key (did you mean 'gateway'?)"])
        #expect(issues("zzz: 1\n") == ["paper_trading.yaml:1: zzz: unknown key"])
    }

    @Test func wrongTypes() {
        #expect(
            issues("gateway:\n  port: four\n") == ["paper_trading.yaml:2: gateway.port: must be an integer, got 'four'"]
        )
        #expect(issues("gateway: 5\n") == ["paper_trading.yaml:1: gateway: must be a mapping of keys"])
        #expect(
            issues("http:\n  enabled: maybe\n") == [
                "paper_trading.yaml:2: http.enabled: must be true or false, got 'maybe'"
            ])
        #expect(
            issues("collection:\n  symbols: {a: 1}\n") == [
                "paper_trading.yaml:2: collection.symbols: must be a list of ticker symbols"
            ])
    }

    @Test func outOfRangeValues() {
        #expect(
            issues("gateway:\n  port: 70000\n") == ["paper_trading.yaml:2: gateway.port: must be <= 65535, got 70000"])
        #expect(issues("gateway:\n  port: 0\n") == ["paper_trading.yaml:2: gateway.port: must be >= 1, got 0"])
        #expect(
            issues("collection:\n  strike_range_pct: 0.9\n") == [
                "paper_trading.yaml:2: collection.strike_range_pct: must be <= 0.5, got 0.9"
            ])
    }

    @Test func configurationsThatCannotWorkAreRejectedWithBothKeys() {
        // Opened and closed in the same cycle.
        #expect(
            issues("strategy:\n  exit_dte: 30\n") == [
                "paper_trading.yaml:2: strategy.exit_dte: must be below strategy.dte_window_min (30), got 30: every entry would meet the DTE exit at once and be opened and closed in the same cycle"
            ])
        // A stop at or beyond the width at the credit floor.
        let stop = issues("strategy:\n  stop_loss_multiple: 3.5\n  min_credit_fraction: 0.3\n")
        #expect(
            stop.count == 1
                && stop[0].hasPrefix(
                    "paper_trading.yaml:2: strategy.stop_loss_multiple: 3.5 x strategy.min_credit_fraction (0.3)")
        )
        // Intervals off New York boundaries.
        #expect(issues("collection:\n  interval_seconds: 420\n").first?.contains("must divide an hour") == true)
        #expect(issues("collection:\n  interval_seconds: 900\n").isEmpty)
        #expect(issues("collection:\n  interval_seconds: 7200\n").isEmpty)
        #expect(issues("collection:\n  interval_seconds: 25200\n").first?.contains("interval_seconds") == true)
        // No cycle ever falls in the trading window.
        let hours = issues("collection:\n  hours:\n    start: \"09:30\"\n    end: \"09:40\"\n")
        #expect(hours.count == 1 && hours[0].contains("risk.trading_window_start"))
    }

    @Test func crossFieldRules() {
        #expect(
            issues("collection:\n  dte_min: 90\n  dte_max: 30\n") == [
                "paper_trading.yaml:2: collection.dte_min: must be <= collection.dte_max (30), got 90"
            ])
        #expect(
            issues("risk:\n  trading_window_start: \"16:00\"\n  trading_window_end: \"10:00\"\n") == [
                "paper_trading.yaml:2: risk.trading_window_start: must be before the end time 10:00, got 16:00"
            ])
    }

    @Test func unknownEnumValue() {
        #expect(
            issues("gateway:\n  market_data_type: delay\n") == [
                "paper_trading.yaml:2: gateway.market_data_type: unknown value 'delay': must be one of live, frozen, delayed, delayed_frozen (did you mean 'delayed'?)"
            ])
        #expect(
            issues("logging:\n  format: xml\n") == [
                "paper_trading.yaml:2: logging.format: unknown value 'xml': must be one of text, json"
            ])
    }

    @Test func malformedYAMLNamesTheLine() throws {
        let found = issues("gateway:\n  port: 4002\n  host: [unclosed\ncollection:\n")
        #expect(found.count == 1)
        let first = try #require(found.first)
        #expect(first.hasPrefix("paper_trading.yaml:"))
        #expect(first.contains("malformed YAML"))
    }

    @Test func severalErrorsAreReportedTogether() {
        let yaml = """
            gateway:
              port: 99999
              clientid: 3
            collection:
              interval_seconds: 10
            logging:
              level: loud
            """
        #expect(
            issues(yaml) == [
                "paper_trading.yaml:2: gateway.port: must be <= 65535, got 99999",
                "paper_trading.yaml:3: gateway.clientid: unknown key (did you mean 'client_id'?)",
                "paper_trading.yaml:5: collection.interval_seconds: must be >= 60, got 10",
                "paper_trading.yaml:7: logging.level: unknown value 'loud': must be one of trace, debug, info, notice, warning, error, critical",
            ])
    }

    @Test func badSymbols() {
        #expect(
            issues("collection:\n  symbols: [spy]\n") == [
                "paper_trading.yaml:2: collection.symbols: 'spy' is not an upper-case ticker symbol"
            ])
        #expect(
            issues("collection:\n  symbols: [SPY, SPY]\n") == [
                "paper_trading.yaml:2: collection.symbols: symbols must be unique"
            ])
    }

    @Test func environmentOverrides() throws {
        let loaded = try ConfigLoader.load(
            text: "gateway:\n  port: 4002\n", source: "x.yaml",
            environment: ["PAPERTRADER_GATEWAY_PORT": "7497", "PAPERTRADER_COLLECTION_SYMBOLS": "SPY,QQQ"])
        #expect(loaded.config.gateway.port == 7497)
        #expect(loaded.config.collection.symbols == ["SPY", "QQQ"])
        #expect(Set(loaded.environmentOverrides) == ["gateway.port", "collection.symbols"])
        #expect(
            issues("", env: ["PAPERTRADER_GATEWAY_PORT": "x"]) == [
                "environment: PAPERTRADER_GATEWAY_PORT: must be an integer, got 'x'"
            ])
        #expect(
            issues("", env: ["PAPERTRADER_GATEWAY_PROT": "1"]) == [
                "environment: PAPERTRADER_GATEWAY_PROT: unknown setting (did you mean PAPERTRADER_GATEWAY_PORT?)"
            ])
    }

    @Test func missingExplicitFileIsAnError() {
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: "/nonexistent/paper.yaml", environment: [:]) }
    }

    @Test(arguments: [
        "paper_trading.yaml", "config/simulator.yaml", "config/polygon-only.yaml", "config/delayed-data.yaml",
    ])
    func shippedConfigsAreValid(_ path: String) throws {
        _ = try ConfigLoader.load(path: Fixtures.repo(path).path, environment: [:])
    }

    @Test func shippedDefaultFileMatchesTheBuiltInDefaults() throws {
        let loaded = try ConfigLoader.load(path: Fixtures.repo("paper_trading.yaml").path, environment: [:])
        #expect(loaded.config == PaperTraderConfig.defaults)
    }
}

@Suite struct SecretRedactionTests {
    let key = "pk_live_ABCDEFGHIJ0123456789"

    @Test func showNeverPrintsTheKey() throws {
        let loaded = try ConfigLoader.load(
            text: "polygon:\n  enabled: true\n", source: "x.yaml", environment: ["POLYGON_API_KEY": key])
        #expect(loaded.polygonAPIKey?.value == key)
        let shown = ConfigRendering.effectiveYAML(loaded)
        #expect(!shown.contains(key))
        #expect(!shown.contains("0123456"))
        #expect(shown.contains("api_key: \"***6789\""))
        for text in [
            String(describing: loaded.polygonAPIKey as Any), String(reflecting: loaded.polygonAPIKey as Any),
            "\(loaded.polygonAPIKey!)",
        ] {
            #expect(!text.contains(key))
        }
    }

    @Test func shortKeysShowNoCharacters() {
        #expect(Secret("abc123").redacted == "***")
    }

    @Test func aKeyWrittenInTheFileIsRejectedWithoutEchoingIt() {
        do {
            _ = try ConfigLoader.load(text: "polygon:\n  api_key: \(key)\n", source: "x.yaml", environment: [:])
            Issue.record("a key in the file was accepted")
        } catch {
            #expect(error.description.contains("x.yaml:2: polygon.api_key: the API key never goes in the file"))
            #expect(!error.description.contains(key))
        }
    }

    @Test func customKeyVariable() throws {
        let loaded = try ConfigLoader.load(
            text: "polygon:\n  api_key_env: MY_POLY\n", source: "x.yaml", environment: ["MY_POLY": key])
        #expect(loaded.polygonAPIKey == Secret(key))
    }

    @Test func enabledWithoutKeyIsAWarningNotAnError() throws {
        let loaded = try ConfigLoader.load(text: "polygon:\n  enabled: true\n", source: "x.yaml", environment: [:])
        #expect(loaded.warnings.count == 1)
    }

    @Test func referenceListsEveryKey() {
        let reference = ConfigRendering.referenceMarkdown()
        for field in ConfigSchema.fields { #expect(reference.contains("`\(field.dotted)`")) }
    }
}
