import AppConfig
import Trading

/// `papertrader kill-switch on|off|status` over the configured marker file (`risk.kill_switch_file`):
/// only our own small marker is ever created or removed (`KillSwitch`).
public struct KillSwitchControl: Sendable {
    let killSwitch: KillSwitch
    let databasePath: String
    let flattenOnKill: Bool

    /// The marker file.
    public var path: String { killSwitch.path }

    /// The switch of `config`; nil when `risk.kill_switch_file` is empty (the file switch is disabled).
    public init?(config: PaperTraderConfig) {
        guard !config.risk.killSwitchFile.isEmpty else { return nil }
        killSwitch = KillSwitch(path: config.risk.killSwitchFile)
        databasePath = config.storage.path
        flattenOnKill = config.risk.flattenOnKill
    }

    /// Creates the marker; throws, saying why, when the path holds something that is not ours.
    public func turnOn() throws {
        try killSwitch.turnOn(databasePath: databasePath)
    }

    /// Removes our marker; throws, saying why, when the path holds something that is not ours.
    public func turnOff() throws {
        try killSwitch.turnOff()
    }

    /// `kill switch ON (path)` or `kill switch off (path)`, and whether positions will be closed.
    public var statusLine: String {
        let on = killSwitch.isOn
        return
            "kill switch \(on ? "ON" : "off") (\(path))\(on && flattenOnKill ? "; open positions will be closed" : "")"
    }
}
