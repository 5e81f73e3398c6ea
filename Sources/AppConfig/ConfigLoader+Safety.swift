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
}
