import Foundation
import Trading
import Yams

/// One problem found in a configuration: where and what, e.g.
/// `paper_trading.yaml:14: collection.interval_seconds: must be >= 60, got 30`.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file, or `environment` for an environment variable.
    public let source: String
    /// 1-based line in the file; nil for environment variables and file-level problems.
    public let line: Int?
    /// Dotted key path, or the environment variable name.
    public let key: String
    public let message: String

    public var description: String {
        let location = line.map { "\(source):\($0)" } ?? source
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}

/// Every problem of a configuration, reported together.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public let issues: [ConfigIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// A secret whose text never appears in descriptions, logs or `config show`.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only where it is used (e.g. an Authorization header).
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// `***` plus at most the last 4 characters, and only for keys long enough that 4 reveal little.
    public var redacted: String {
        value.count >= 12 ? "***" + value.suffix(4) : "***"
    }

    public var description: String { redacted }
    public var debugDescription: String { redacted }
}

/// A loaded configuration with where it came from and the secrets resolved from the environment.
public struct LoadedConfig: Sendable {
    public var config: PaperTraderConfig
    /// The file read, or nil when the default path does not exist (defaults apply).
    public var sourcePath: String?
    /// The Polygon API key from the environment variable named by `polygon.api_key_env`.
    public var polygonAPIKey: Secret?
    /// The control routes' bearer token from the environment variable named by `http.token_env`;
    /// nil: the control routes are off.
    public var httpToken: Secret? = nil
    /// The alert receivers with their URLs resolved (a receiver whose variable is unset is left out).
    public var webhooks: [ResolvedWebhook] = []
    /// Keys overridden by environment variables.
    public var environmentOverrides: [String]
    /// Problems of the environment rather than the file (e.g. a missing API key).
    public var warnings: [String] = []
}

/// Reads `paper_trading.yaml`: YAML -> node tree (with line numbers) -> validated typed values.
public enum ConfigLoader {
    /// The default config path.
    public static let defaultPath = "paper_trading.yaml"

    /// Loads `path` (nil = the default path, which may be absent) with `environment` overrides.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigErrors) -> LoadedConfig
    {
        let file = path ?? defaultPath
        let label = (file as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: file) else {
            if path == nil {
                return try load(text: "", source: label, environment: environment, sourcePath: nil)
            }
            throw ConfigErrors(issues: [
                ConfigIssue(source: label, line: nil, key: "", message: "file not found (\(file))")
            ])
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigErrors(issues: [
                ConfigIssue(source: label, line: nil, key: "", message: "cannot read the file as UTF-8 text")
            ])
        }
        return try load(text: text, source: label, environment: environment, sourcePath: file)
    }

    /// Loads configuration text; `source` names it in messages.
    public static func load(
        text: String, source: String, environment: [String: String] = [:], sourcePath: String? = nil
    ) throws(ConfigErrors) -> LoadedConfig {
        var validator = Validator(source: source)
        var config = PaperTraderConfig()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigErrors(issues: [validator.yamlIssue(error)])
        } catch {
            throw ConfigErrors(issues: [
                ConfigIssue(source: source, line: nil, key: "", message: "malformed YAML: \(error)")
            ])
        }
        if let root {
            validator.walk(root, prefix: [], into: &config)
        }
        let overrides = validator.applyEnvironment(environment, into: &config)
        validator.crossCheck(config)
        validator.checkSafety(config)
        var secret: Secret?
        let keyVariable = config.polygon.apiKeyEnv
        if let value = environment[keyVariable], !value.isEmpty {
            secret = Secret(value)
        }
        var warnings: [String] = []
        if config.polygon.enabled && secret == nil {
            // Not a file error: the same file is right once the key is exported.
            warnings.append(
                "polygon.enabled is true but $\(keyVariable) is not set: the Polygon fallback will fail until you export it"
            )
        }
        let httpToken = validator.checkHTTPToken(config, environment: environment, warnings: &warnings)
        let webhooks = validator.resolveWebhooks(config, environment: environment, warnings: &warnings)
        guard validator.issues.isEmpty else { throw ConfigErrors(issues: validator.issues) }
        return LoadedConfig(
            config: config, sourcePath: sourcePath, polygonAPIKey: secret, httpToken: httpToken,
            webhooks: webhooks, environmentOverrides: overrides, warnings: warnings)
    }
}

/// Decodes any Codable type from YAML text (fault scripts and other auxiliary files).
public enum YAMLDecoding {
    /// Decodes `type` from `text`.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try YAMLDecoder().decode(type, from: text)
    }
}

/// Walks the YAML node tree against the schema, collecting every issue.
struct Validator {
    let source: String
    var issues: [ConfigIssue] = []
    var lines: [String: Int] = [:]

    init(source: String) {
        self.source = source
    }

    mutating func issue(_ line: Int?, _ key: String, _ message: String) {
        issues.append(ConfigIssue(source: source, line: line, key: key, message: message))
    }

    func yamlIssue(_ error: YamlError) -> ConfigIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigIssue(source: source, line: mark.line, key: "", message: "malformed YAML: \(problem)")
        default:
            return ConfigIssue(source: source, line: nil, key: "", message: "malformed YAML: \(error)")
        }
    }

    /// Keys that may appear directly under `prefix` (fields or sub-sections).
    static func children(of prefix: [String]) -> [String] {
        var out: [String] = []
        for f in ConfigSchema.fields where f.path.count > prefix.count && Array(f.path.prefix(prefix.count)) == prefix {
            let key = f.path[prefix.count]
            if !out.contains(key) { out.append(key) }
        }
        return out
    }

    mutating func walk(_ node: Node, prefix: [String], into config: inout PaperTraderConfig) {
        let dotted = prefix.joined(separator: ".")
        if case .scalar(let s) = node, s.string.isEmpty || s.tag == .implicit && s.string == "~" || s.string == "null" {
            return  // an empty section: defaults
        }
        guard case .mapping(let mapping) = node else {
            issue(
                node.mark?.line, dotted,
                prefix.isEmpty
                    ? "the file must be a mapping of sections (gateway:, collection:, ...)"
                    : "must be a mapping of keys")
            return
        }
        let allowed = Self.children(of: prefix)
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                issue(keyNode.mark?.line, dotted, "keys must be text")
                continue
            }
            let path = prefix + [key]
            let line = keyNode.mark?.line
            lines[path.joined(separator: ".")] = line
            if path == ["http", "token"] {
                // Never echo the value: it is a secret written where it does not belong.
                issue(
                    line, "http.token",
                    "the token never goes in the file: export it in an environment variable, name that variable in http.token_env, and remove this line"
                )
                continue
            }
            if path == ["polygon", "api_key"] || path == ["polygon", "key"] || path == ["polygon", "apiKey"] {
                // Never echo the value: it is a secret written where it does not belong.
                issue(
                    line, path.joined(separator: "."),
                    "the API key never goes in the file: export it in the environment variable named by polygon.api_key_env (default POLYGON_API_KEY) and remove this line"
                )
                continue
            }
            if path == ["alerts", "webhooks"] {
                readWebhooks(value, line: line, into: &config)
                continue
            }
            guard allowed.contains(key) else {
                let suggestion = Self.suggest(key, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                issue(line, path.joined(separator: "."), "unknown key\(suggestion)")
                continue
            }
            if let field = ConfigSchema.fields.first(where: { $0.path == path }) {
                if let v = read(value, field: field, line: line) { field.set(&config, v) }
            } else {
                walk(value, prefix: path, into: &config)
            }
        }
    }

    /// Converts and validates one value; nil (with an issue recorded) when invalid.
    mutating func read(_ node: Node, field: ConfigField, line: Int?, environmentName: String? = nil) -> ConfigValue? {
        let key = environmentName ?? field.dotted
        func fail(_ message: String) -> ConfigValue? {
            if let environmentName {
                issues.append(ConfigIssue(source: "environment", line: nil, key: environmentName, message: message))
            } else {
                issue(line, key, message)
            }
            return nil
        }
        func scalarText() -> String? {
            if case .scalar(let s) = node { return s.string }
            return nil
        }
        switch field.kind {
        case .int(let range):
            guard let text = scalarText(), let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                return fail("must be an integer, got \(Self.show(node))")
            }
            guard range.contains(value) else { return fail(Self.rangeMessage(range, got: "\(value)")) }
            return .int(value)
        case .double(let range):
            guard let text = scalarText(), let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite
            else {
                return fail("must be a number, got \(Self.show(node))")
            }
            guard range.contains(value) else { return fail(Self.rangeMessage(range, got: Self.number(value))) }
            return .double(value)
        case .bool:
            switch scalarText()?.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: return fail("must be true or false, got \(Self.show(node))")
            }
        case .string:
            guard let text = scalarText(), !text.isEmpty else {
                return fail("must be a non-empty text value, got \(Self.show(node))")
            }
            return .string(text)
        case .optionalString:
            guard let text = scalarText() else { return fail("must be a text value, got \(Self.show(node))") }
            return text.isEmpty || text == "null" || text == "~" ? .null : .string(text)
        case .choice(let options):
            guard let text = scalarText() else {
                return fail("must be one of \(options.joined(separator: ", ")), got \(Self.show(node))")
            }
            guard options.contains(text) else {
                let suggestion = Self.suggest(text, among: options).map { " (did you mean '\($0)'?)" } ?? ""
                return fail("unknown value '\(text)': must be one of \(options.joined(separator: ", "))\(suggestion)")
            }
            return .string(text)
        case .clockTime:
            guard let text = scalarText(), Self.minutes(text) != nil else {
                return fail("must be a time HH:MM (24-hour, New York), got \(Self.show(node))")
            }
            return .string(text)
        case .symbols:
            var symbols: [String]
            switch node {
            case .sequence(let seq):
                var list: [String] = []
                for item in seq {
                    guard case .scalar(let s) = item else { return fail("must be a list of ticker symbols") }
                    list.append(s.string)
                }
                symbols = list
            case .scalar(let s):
                symbols = s.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default:
                return fail("must be a list of ticker symbols")
            }
            symbols = symbols.filter { !$0.isEmpty }
            guard !symbols.isEmpty else { return fail("must name at least one symbol") }
            if let bad = symbols.first(where: { !$0.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "." } }) {
                return fail("'\(bad)' is not an upper-case ticker symbol")
            }
            guard Set(symbols).count == symbols.count else { return fail("symbols must be unique") }
            return .list(symbols)
        }
    }

    /// Applies `PAPERTRADER_SECTION_KEY` overrides; returns the keys overridden.
    mutating func applyEnvironment(_ environment: [String: String], into config: inout PaperTraderConfig) -> [String] {
        var applied: [String] = []
        for field in ConfigSchema.fields {
            guard let text = environment[field.environmentName] else { continue }
            let node = Node.scalar(.init(text))
            if let value = read(node, field: field, line: nil, environmentName: field.environmentName) {
                field.set(&config, value)
                applied.append(field.dotted)
            }
        }
        if let unknown = environment.keys.filter({ $0.hasPrefix("PAPERTRADER_") }).sorted().first(where: { name in
            !ConfigSchema.fields.contains { $0.environmentName == name }
        }) {
            let known = ConfigSchema.fields.map(\.environmentName)
            let suggestion = Self.suggest(unknown, among: known).map { " (did you mean \($0)?)" } ?? ""
            issues.append(
                ConfigIssue(source: "environment", line: nil, key: unknown, message: "unknown setting\(suggestion)"))
        }
        return applied
    }

    /// Rules that involve several keys.
    mutating func crossCheck(_ c: PaperTraderConfig) {
        func rule(_ ok: Bool, _ key: String, _ message: String) {
            if !ok { issue(lines[key], key, message) }
        }
        rule(
            c.collection.dteMin <= c.collection.dteMax, "collection.dte_min",
            "must be <= collection.dte_max (\(c.collection.dteMax)), got \(c.collection.dteMin)")
        rule(
            c.strategy.dteWindowMin <= c.strategy.dteWindowMax, "strategy.dte_window_min",
            "must be <= strategy.dte_window_max (\(c.strategy.dteWindowMax)), got \(c.strategy.dteWindowMin)")
        rule(
            (c.strategy.dteWindowMin...max(c.strategy.dteWindowMin, c.strategy.dteWindowMax)).contains(
                c.strategy.targetDTE),
            "strategy.target_dte",
            "must lie in the DTE window \(c.strategy.dteWindowMin)...\(c.strategy.dteWindowMax), got \(c.strategy.targetDTE)"
        )
        rule(
            c.strategy.shortDeltaMin <= c.strategy.shortDeltaMax, "strategy.short_delta_min",
            "must be <= strategy.short_delta_max (\(Self.number(c.strategy.shortDeltaMax))), got \(Self.number(c.strategy.shortDeltaMin))"
        )
        rule(
            c.strategy.shortDeltaMin <= c.strategy.shortDeltaTarget
                && c.strategy.shortDeltaTarget <= c.strategy.shortDeltaMax,
            "strategy.short_delta_target",
            "must lie between short_delta_min and short_delta_max, got \(Self.number(c.strategy.shortDeltaTarget))")
        rule(
            c.strategy.vixMin < c.strategy.vixMax, "strategy.vix_min",
            "must be < strategy.vix_max (\(Self.number(c.strategy.vixMax))), got \(Self.number(c.strategy.vixMin))")
        rule(
            c.strategy.longDelta < c.strategy.shortDeltaMin, "strategy.long_delta",
            "must be below strategy.short_delta_min (\(Self.number(c.strategy.shortDeltaMin))), got \(Self.number(c.strategy.longDelta))"
        )
        rule(
            c.risk.betaWeightedDeltaMin < c.risk.betaWeightedDeltaMax, "risk.beta_weighted_delta_min",
            "must be < risk.beta_weighted_delta_max (\(Self.number(c.risk.betaWeightedDeltaMax))), got \(Self.number(c.risk.betaWeightedDeltaMin))"
        )
        rule(
            VIXBand.parseTable(c.risk.maxNLVAtRiskByVIX) != nil, "risk.max_nlv_at_risk_by_vix",
            "must be 'VIX:share' pairs with rising VIX levels and shares in 0...1 (e.g. '0:0.10, 25:0.06'), got '\(c.risk.maxNLVAtRiskByVIX)'"
        )
        rule(
            c.gateway.reconnectInitialBackoffSeconds <= c.gateway.reconnectMaxBackoffSeconds,
            "gateway.reconnect.initial_backoff_seconds",
            "must be <= gateway.reconnect.max_backoff_seconds")
        for (start, end, key) in [
            (c.collection.hoursStart, c.collection.hoursEnd, "collection.hours.start"),
            (c.risk.tradingWindowStart, c.risk.tradingWindowEnd, "risk.trading_window_start"),
        ] {
            if let s = Self.minutes(start), let e = Self.minutes(end) {
                rule(s < e, key, "must be before the end time \(end), got \(start)")
            }
        }
        // Configurations that load but cannot work.
        rule(
            c.strategy.exitDTE < c.strategy.dteWindowMin, "strategy.exit_dte",
            "must be below strategy.dte_window_min (\(c.strategy.dteWindowMin)), got \(c.strategy.exitDTE): every entry would meet the DTE exit at once and be opened and closed in the same cycle"
        )
        rule(
            c.strategy.stopLossMultiple * c.strategy.minCreditFraction < 1, "strategy.stop_loss_multiple",
            "\(Self.number(c.strategy.stopLossMultiple)) x strategy.min_credit_fraction (\(Self.number(c.strategy.minCreditFraction))) must be below 1: the stop fires when buying a spread back costs that multiple of its credit, which at the credit floor is at or beyond the spread's width, so it could never trigger before max loss"
        )
        let interval = c.collection.intervalSeconds
        rule(
            interval > 0 && (3600 % interval == 0 || (interval % 3600 == 0 && 86_400 % interval == 0)),
            "collection.interval_seconds",
            "must divide an hour (60, 120, 180, 240, 300, 600, 900, 1200, 1800, 3600) or be whole hours dividing a day, so that cycles fall on New York boundaries, got \(interval)"
        )
        if let cs = Self.minutes(c.collection.hoursStart), let ce = Self.minutes(c.collection.hoursEnd),
            let ts = Self.minutes(c.risk.tradingWindowStart), let te = Self.minutes(c.risk.tradingWindowEnd),
            cs < ce, ts < te
        {
            rule(
                cs <= te && ts < ce, "collection.hours.start",
                "collection hours \(c.collection.hoursStart)-\(c.collection.hoursEnd) never overlap risk.trading_window_start-end (\(c.risk.tradingWindowStart)-\(c.risk.tradingWindowEnd)): the trader never sees a cycle in which it may enter"
            )
        }
    }

    // MARK: Helpers

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        return h * 60 + m
    }

    static func rangeMessage<T: Comparable>(_ range: ClosedRange<T>, got: String) -> String {
        func text(_ v: T) -> String { (v as? Double).map(number) ?? "\(v)" }
        if "\(got)".hasPrefix("-") || (Double(got) ?? 0) < (Double(text(range.lowerBound)) ?? 0) {
            return "must be >= \(text(range.lowerBound)), got \(got)"
        }
        return "must be <= \(text(range.upperBound)), got \(got)"
    }

    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    static func show(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The closest allowed key within edit distance 2, or sharing a 4-letter prefix.
    static func suggest(_ key: String, among options: [String]) -> String? {
        let scored = options.map { ($0, distance(key.lowercased(), $0.lowercased())) }.sorted { $0.1 < $1.1 }
        if let best = scored.first, best.1 <= max(2, key.count / 4) { return best.0 }
        if key.count >= 4, let prefixed = options.first(where: { $0.hasPrefix(key.prefix(4)) }) { return prefixed }
        return nil
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
