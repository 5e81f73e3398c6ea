import AppConfig
import ArgumentParser
import Foundation

/// `papertrader config check|show|reference`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate or print the configuration.",
        subcommands: [ConfigCheckCommand.self, ConfigShowCommand.self, ConfigReferenceCommand.self]
    )
}

/// The `--config` option shared by commands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: ./paper_trading.yaml).")
    var config: String?

    /// Loads the configuration or prints every problem and exits: `invalid` (`config check`: its
    /// result, 2) or, for every other command, `ExitStatus.fatal` (it cannot start).
    func load(invalid: ExitCode = ExitStatus.fatal) throws -> LoadedConfig {
        do {
            return try ConfigLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n\(error.issues.count) error(s)\n").utf8))
            throw invalid
        }
    }
}

/// `config check`: exit 0 when valid, 2 with every problem listed when not.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the configuration (exit 0 valid, 2 invalid).")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let loaded = try options.load(invalid: ExitStatus.failed)
        for warning in loaded.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        print("OK: \(loaded.sourcePath ?? "no file, built-in defaults") is valid")
    }
}

/// `config show`: the effective configuration with secrets redacted.
struct ConfigShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective configuration (file + environment + defaults), secrets redacted.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Leave out the explanatory comments.")
    var noComments = false

    func run() throws {
        let loaded = try options.load()
        print(ConfigRendering.effectiveYAML(loaded, comments: !noComments), terminator: "")
    }
}

/// `config reference`: every key with its default and meaning, as Markdown.
struct ConfigReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Print the configuration reference (Markdown).")

    func run() {
        print(ConfigRendering.referenceMarkdown(), terminator: "")
    }
}
