import AppConfig
import ArgumentParser
import Foundation

/// `papertrader kill-switch on|off|status`: the file `risk.kill_switch_file` halts new entries (and
/// with `risk.flatten_on_kill` closes open positions) at the next cycle of a running trader.
struct KillSwitchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill-switch", abstract: "Halt (on) or resume (off) new entries of a running trader.")

    @OptionGroup var config: ConfigOption
    @Argument(help: "on, off or status.") var state: String = "status"

    func validate() throws {
        guard ["on", "off", "status"].contains(state) else {
            throw ValidationError("expected on, off or status, got '\(state)'")
        }
    }

    func run() throws {
        let loaded = try config.load()
        let path = loaded.config.risk.killSwitchFile
        guard !path.isEmpty else {
            throw ValidationError("risk.kill_switch_file is empty: the file switch is disabled")
        }
        let fm = FileManager.default
        switch state {
        case "on":
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            guard fm.createFile(atPath: path, contents: Data("kill switch set \(Date())\n".utf8)) else {
                throw ValidationError("cannot create \(path)")
            }
        case "off":
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
        default: break
        }
        let on = fm.fileExists(atPath: path)
        print(
            "kill switch \(on ? "ON" : "off") (\(path))\(on && loaded.config.risk.flattenOnKill ? "; open positions will be closed" : "")"
        )
    }
}
