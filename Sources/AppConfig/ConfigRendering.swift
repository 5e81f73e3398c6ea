import Foundation

/// `config show` and the configuration reference, both generated from `ConfigSchema`.
public enum ConfigRendering {
    /// The effective configuration as YAML, secrets redacted.
    public static func effectiveYAML(_ loaded: LoadedConfig, comments: Bool = true) -> String {
        var lines: [String] = []
        lines.append(
            "# effective configuration: "
                + (loaded.sourcePath.map { "file \($0)" } ?? "no file found, built-in defaults")
                + " + environment + defaults")
        if !loaded.environmentOverrides.isEmpty {
            lines.append("# overridden by environment: " + loaded.environmentOverrides.joined(separator: ", "))
        }
        var openPath: [String] = []
        for field in ConfigSchema.fields {
            let sections = Array(field.path.dropLast())
            var common = 0
            while common < min(openPath.count, sections.count), openPath[common] == sections[common] { common += 1 }
            for depth in common..<sections.count {
                if depth == 0 && !lines.isEmpty { lines.append("") }
                lines.append(String(repeating: "  ", count: depth) + sections[depth] + ":")
            }
            openPath = sections
            let indent = String(repeating: "  ", count: sections.count)
            if comments { lines.append(indent + "# " + field.doc) }
            lines.append(indent + (field.path.last ?? "") + ": " + yaml(field.get(loaded.config)))
            if field.path == ["http", "token_env"], let name = loaded.config.http.tokenEnv {
                let shown = loaded.httpToken == nil ? "null  # not set: controls off" : "\"***\""
                lines.append(indent + "token: " + shown + "  # from $" + name + ", redacted")
            }
            if field.path == ["alerts", "attempts"] {
                // Receivers' URLs are secrets (Slack's carry their token in the path): hosts only.
                let hooks = loaded.config.alerts.webhooks
                lines.append(indent + "webhooks:" + (hooks.isEmpty ? " []" : ""))
                for hook in hooks {
                    let host = hook.url.flatMap { URL(string: $0)?.host }.map { "\"https://\($0)/***\"" }
                    let source =
                        hook.urlEnv.map { "url: \"***\"  # from $\($0), redacted" } ?? "url: \(host ?? "\"***\"")"
                    lines.append(indent + "  - " + source)
                    lines.append(indent + "    format: " + hook.format)
                    lines.append(
                        indent + "    events: [" + hook.events.map(\.rawValue).joined(separator: ", ") + "]"
                            + (hook.events.isEmpty ? "  # all" : ""))
                }
            }
            if field.path == ["polygon", "api_key_env"] {
                let shown = loaded.polygonAPIKey.map { "\"\($0.redacted)\"" } ?? "null  # not set"
                lines.append(
                    indent + "api_key: " + shown + "  # from $" + loaded.config.polygon.apiKeyEnv + ", redacted")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func yaml(_ value: ConfigValue) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .string(let s): return quoted(s)
        case .list(let l): return "[" + l.map(quoted).joined(separator: ", ") + "]"
        }
    }

    static func quoted(_ s: String) -> String {
        let plain =
            !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "._/-".contains($0) }
            && !["true", "false", "yes", "no", "null", "on", "off"].contains(s.lowercased()) && Double(s) == nil
        if plain { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Markdown table of every key, its default, its environment variable and meaning.
    public static func referenceMarkdown() -> String {
        var out = "| key | default | environment variable | meaning |\n|---|---|---|---|\n"
        let defaults = PaperTraderConfig()
        for field in ConfigSchema.fields {
            var meaning = field.doc
            switch field.kind {
            case .int(let r): meaning += " Range \(r.lowerBound)...\(r.upperBound)."
            case .double(let r):
                meaning += " Range \(Validator.number(r.lowerBound))...\(Validator.number(r.upperBound))."
            case .choice(let options): meaning += " One of: \(options.joined(separator: ", "))."
            default: break
            }
            out += "| `\(field.dotted)` | `\(yaml(field.get(defaults)))` | `\(field.environmentName)` | \(meaning) |\n"
        }
        return out
    }
}
