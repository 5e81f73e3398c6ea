import AppConfig
import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader kill-switch on|off|status`: the marker file `risk.kill_switch_file` halts new entries
/// (and with `risk.flatten_on_kill` closes open positions) at the next cycle of a running trader.
/// Only our own small marker is ever created or removed (`KillSwitchControl`).
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
        guard let killSwitch = KillSwitchControl(config: loaded.config) else {
            throw ValidationError("risk.kill_switch_file is empty: the file switch is disabled")
        }
        do {
            switch state {
            case "on": try killSwitch.turnOn()
            case "off": try killSwitch.turnOff()
            default: break
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.failed
        }
        print(killSwitch.statusLine)
    }
}
