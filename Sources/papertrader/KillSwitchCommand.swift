import AppConfig
import ArgumentParser
import Foundation
import Trading

/// `papertrader kill-switch on|off|status`: the marker file `risk.kill_switch_file` halts new entries
/// (and with `risk.flatten_on_kill` closes open positions) at the next cycle of a running trader.
/// Only our own small marker is ever created or removed (`KillSwitch`).
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
        let killSwitch = KillSwitch(path: path)
        do {
            switch state {
            case "on": try killSwitch.turnOn(databasePath: loaded.config.storage.path)
            case "off": try killSwitch.turnOff()
            default: break
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitStatus.failed
        }
        let on = killSwitch.isOn
        print(
            "kill switch \(on ? "ON" : "off") (\(path))\(on && loaded.config.risk.flattenOnKill ? "; open positions will be closed" : "")"
        )
    }
}
