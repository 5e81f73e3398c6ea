import AppConfig
import ArgumentParser
import Foundation
import Orchestrator

/// `papertrader position close ID`: closes one position of the running trader (reason `manual`).
struct PositionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "position", abstract: "Act on one position of the running trader.",
        subcommands: [PositionCloseCommand.self])
}

/// `papertrader position close ID`.
struct PositionCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract:
            "Close a position now through the trader's exit path (reason manual); needs the running service and its token."
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "The position id (see `papertrader report`).") var id: Int64

    func run() async throws {
        let loaded = try config.load()
        try ControlOutput.show(await ControlOutput.asking { try await ControlClient.closePosition(id, loaded: loaded) })
    }
}

/// `papertrader flatten [--symbol S]`: closes every open position (of one symbol) of the running trader.
struct FlattenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatten",
        abstract: "Close every open position (of --symbol only) of the running trader (reason manual).")

    @OptionGroup var config: ConfigOption
    @Option(help: "Only this underlying's positions.") var symbol: String?

    func run() async throws {
        let loaded = try config.load()
        try ControlOutput.show(
            await ControlOutput.asking { try await ControlClient.flatten(symbol: symbol, loaded: loaded) })
    }
}

/// How the control commands print the service's answer and map it to an exit status: 2xx is success
/// (a 202 close is under way and says so), anything else a refused action.
enum ControlOutput {
    static func asking(_ ask: () async throws -> ControlClient.Answer) async throws -> ControlClient.Answer {
        do {
            return try await ask()
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitStatus.failed
        }
    }

    static func show(_ answer: ControlClient.Answer) throws {
        guard (200..<300).contains(answer.status) else {
            FileHandle.standardError.write(Data("Error: HTTP \(answer.status): \(answer.body)\n".utf8))
            throw ExitStatus.failed
        }
        print(answer.body)
    }
}
