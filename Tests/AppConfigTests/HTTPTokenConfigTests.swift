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
