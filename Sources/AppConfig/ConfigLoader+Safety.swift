import Foundation
import PolygonClient
import Trading

extension Validator {
    /// Rules that keep data and secrets safe: files the configuration names, checked against what is on
    /// disk now, and where the Polygon key may be sent.
    mutating func checkSafety(_ c: PaperTraderConfig) {
        let killSwitch = "risk.kill_switch_file"
        if let problem = KillSwitch.problem(path: c.risk.killSwitchFile, databasePath: c.storage.path) {
            issue(lines[killSwitch], killSwitch, problem)
        }
        let base = "polygon.base_url"
        if let url = URL(string: c.polygon.baseURL) {
            if let problem = PolygonKeyGuard.insecurity(of: url) { issue(lines[base], base, problem) }
        } else {
            issue(lines[base], base, "is not a URL, got '\(c.polygon.baseURL)'")
        }
    }

    /// The control token named by `http.token_env`, read from `environment`. A variable name that is not
    /// one is an issue; an unset variable leaves the controls off (a warning); a non-loopback bind
    /// without a token is refused, since anyone on the network could then reach the endpoint.
    mutating func checkHTTPToken(
        _ c: PaperTraderConfig, environment: [String: String], warnings: inout [String]
    ) -> Secret? {
        let key = "http.token_env"
        var token: Secret?
        if let name = c.http.tokenEnv {
            if !Self.isVariableName(name) {
                issue(lines[key], key, "must name an environment variable (letters, digits, _), got '\(name)'")
            } else if let value = environment[name], !value.isEmpty {
                token = Secret(value)
            } else if c.http.enabled {
                warnings.append("http.token_env names $\(name) but it is not set: the control routes are off (403)")
            }
        }
        if c.http.enabled && token == nil && !HTTPConfig.isLoopback(c.http.host) {
            issue(
                lines["http.host"] ?? lines[key], "http.host",
                "'\(c.http.host)' is not a loopback address and the control routes have no token: set http.token_env to an environment variable holding one (and export it), or bind 127.0.0.1"
            )
        }
        return token
    }
}
