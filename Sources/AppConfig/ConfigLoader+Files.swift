import Foundation
import Trading

extension Validator {
    /// Rules about files the configuration names, checked against what is on disk now.
    mutating func checkFiles(_ c: PaperTraderConfig) {
        let key = "risk.kill_switch_file"
        if let problem = KillSwitch.problem(path: c.risk.killSwitchFile, databasePath: c.storage.path) {
            issue(lines[key], key, problem)
        }
    }
}
