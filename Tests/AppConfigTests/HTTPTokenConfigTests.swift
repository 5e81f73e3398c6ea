import Foundation
import Testing

@testable import AppConfig

/// `http.token_env`: the control routes' token comes from the environment only, never shows, and a
/// non-loopback bind without one is refused.
@Suite struct HTTPTokenConfigTests {
    static let token = "s3cret-control-token-9876"

    func issues(_ yaml: String, env: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigLoader.load(text: yaml, source: "c.yaml", environment: env)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func theTokenComesFromTheNamedVariableAndNeverShows() throws {
        let loaded = try ConfigLoader.load(
            text: "http:\n  token_env: PT_TOKEN\n", source: "c.yaml", environment: ["PT_TOKEN": Self.token])
        #expect(loaded.httpToken?.value == Self.token)
        let shown = ConfigRendering.effectiveYAML(loaded)
        #expect(shown.contains("token_env: PT_TOKEN") && shown.contains(#"token: "***"  # from $PT_TOKEN, redacted"#))
        #expect(!shown.contains(Self.token) && !shown.contains("9876"))
        #expect(!"\(loaded.httpToken!)".contains(Self.token))
    }

    @Test func withoutATokenTheControlsAreOffOnLoopback() throws {
        #expect(try ConfigLoader.load(text: "", source: "c.yaml").httpToken == nil)
        let unset = try ConfigLoader.load(text: "http:\n  token_env: PT_TOKEN\n", source: "c.yaml")
        #expect(unset.httpToken == nil)
        #expect(unset.warnings.contains { $0.contains("$PT_TOKEN but it is not set") })
    }

    @Test func aNonLoopbackBindNeedsAToken() {
        let open = issues("http:\n  host: 0.0.0.0\n")
        #expect(open.count == 1 && open[0].contains("c.yaml:2: http.host: '0.0.0.0' is not a loopback address"))
        #expect(issues("http:\n  host: 0.0.0.0\n  token_env: PT_TOKEN\n").count == 1)
        #expect(issues("http:\n  host: 0.0.0.0\n  token_env: PT_TOKEN\n", env: ["PT_TOKEN": Self.token]).isEmpty)
        #expect(issues("http:\n  host: localhost\n").isEmpty)
        #expect(issues("http:\n  host: 0.0.0.0\n  enabled: false\n").isEmpty)
    }

    @Test func aTokenInTheFileOrABadNameIsRefusedWithoutEchoingIt() {
        let inFile = issues("http:\n  token: \(Self.token)\n")
        #expect(inFile.count == 1 && inFile[0].contains("the token never goes in the file"))
        #expect(!inFile[0].contains(Self.token))
        #expect(
            issues("http:\n  token_env: \"not a name\"\n").first?.contains("must name an environment variable") == true)
    }
}

/// `alerts.webhooks`: each receiver checked where it is written; URLs from the environment; never shown.
@Suite struct AlertsConfigTests {
    func issues(_ yaml: String, _ env: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigLoader.load(text: yaml, source: "a.yaml", environment: env)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func receiversAreCheckedAtTheirLines() {
        let bad = """
            alerts:
              webhooks:
                - url: http://hooks.example.com/x
                - url_env: SLACK_URL
                  format: teams
                - url: https://ok.example.com/h
                  url_env: ALSO
                - url_env: X
                  events: [position_opened, moon_landing]
                  colour: red
            """
        let found = issues(bad)
        #expect(
            found.contains(
                "a.yaml:3: alerts.webhooks[0].url: must be https (plain http only to 127.0.0.1 or localhost)"),
            "\(found)")
        #expect(found.contains { $0.hasPrefix("a.yaml:5: alerts.webhooks[1].format: must be one of: slack, json") })
        #expect(found.contains("a.yaml:6: alerts.webhooks[2]: needs exactly one of url and url_env"))
        #expect(found.contains { $0.hasPrefix("a.yaml:9: alerts.webhooks[3].events: unknown event 'moon_landing'") })
        #expect(found.contains { $0.hasPrefix("a.yaml:10: alerts.webhooks[3].colour: unknown key") })
    }

    @Test func urlsComeFromTheEnvironmentAndAreNeverShown() throws {
        let yaml = """
            alerts:
              gateway_down_seconds: 120
              webhooks:
                - url_env: SLACK_URL
                  format: slack
                  events: [position_closed, gateway_down]
                - url: http://127.0.0.1:9/local
                - url_env: UNSET_URL
            """
        let secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
        let loaded = try ConfigLoader.load(text: yaml, source: "a.yaml", environment: ["SLACK_URL": secret])
        #expect(loaded.config.alerts.gatewayDownSeconds == 120)
        #expect(loaded.webhooks.count == 2 && loaded.webhooks[0].url.value == secret)
        #expect(loaded.webhooks[0].events == [.positionClosed, .gatewayDown] && loaded.webhooks[0].format == "slack")
        #expect(
            loaded.warnings.contains { $0.contains("alerts.webhooks[2].url_env names $UNSET_URL but it is not set") })
        let shown = ConfigRendering.effectiveYAML(loaded)
        #expect(!shown.contains("XXXXSECRETXXXX") && !shown.contains("/services/") && shown.contains("from $SLACK_URL"))
        #expect("\(loaded.webhooks[0].url)".contains("SECRET") == false)
        // A URL from the environment is held to the same rule as one in the file.
        #expect(
            issues(yaml, ["SLACK_URL": "http://hooks.slack.com/x", "UNSET_URL": "https://a.example/b"]).contains {
                $0.contains("alerts.webhooks[0].url_env: $SLACK_URL must be https")
            })
    }
}
