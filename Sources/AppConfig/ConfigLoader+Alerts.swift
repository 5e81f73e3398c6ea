import Foundation
import Yams

extension Validator {
    /// `alerts.webhooks`: a list of `{url | url_env, format, events}`, each problem at its line.
    mutating func readWebhooks(_ node: Node, line: Int?, into config: inout PaperTraderConfig) {
        let key = "alerts.webhooks"
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return }
        guard case .sequence(let items) = node else {
            issue(line, key, "must be a list of receivers, each {url or url_env, format, events}")
            return
        }
        var hooks: [WebhookConfig] = []
        for (i, item) in items.enumerated() {
            let itemKey = "\(key)[\(i)]"
            let itemLine = item.mark?.line ?? line
            guard case .mapping(let mapping) = item else {
                issue(itemLine, itemKey, "must be a mapping with url or url_env, format and events")
                continue
            }
            var hook = WebhookConfig()
            var valid = true
            for (keyNode, value) in mapping {
                let name = keyNode.string ?? ""
                let at = keyNode.mark?.line ?? itemLine
                let field = "\(itemKey).\(name)"
                switch name {
                case "url":
                    guard let text = value.string, let problem = Self.webhookURLProblem(text) else {
                        hook.url = value.string
                        continue
                    }
                    issue(at, field, problem)
                    valid = false
                case "url_env":
                    guard let text = value.string, Self.isVariableName(text) else {
                        issue(at, field, "must name an environment variable (letters, digits, _)")
                        valid = false
                        continue
                    }
                    hook.urlEnv = text
                case "format":
                    guard let text = value.string, ["slack", "json"].contains(text) else {
                        issue(at, field, "must be one of: slack, json, got \(Self.show(value))")
                        valid = false
                        continue
                    }
                    hook.format = text
                case "events":
                    let names: [String]
                    switch value {
                    case .sequence(let seq): names = seq.map { $0.string ?? Self.show($0) }
                    case .scalar(let s): names = [s.string]
                    default: names = [Self.show(value)]
                    }
                    for n in names {
                        guard let kind = AlertEventKind(rawValue: n) else {
                            let known = AlertEventKind.allCases.map(\.rawValue).joined(separator: ", ")
                            issue(at, field, "unknown event '\(n)' (one of: \(known))")
                            valid = false
                            continue
                        }
                        hook.events.append(kind)
                    }
                default:
                    issue(at, field, "unknown key (a receiver has url or url_env, format, events)")
                    valid = false
                }
            }
            if (hook.url == nil) == (hook.urlEnv == nil) {
                issue(itemLine, itemKey, "needs exactly one of url and url_env")
                valid = false
            }
            if valid { hooks.append(hook) }
        }
        config.alerts.webhooks = hooks
    }

    /// Why a webhook URL cannot be used, nil when it can: https, or http to this machine only (a
    /// local receiver), since the message text crosses the network.
    static func webhookURLProblem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return "is not a URL" }
        if scheme == "https" { return nil }
        if scheme == "http" && HTTPConfig.isLoopback(host) { return nil }
        return "must be https (plain http only to 127.0.0.1 or localhost)"
    }

    static func isVariableName(_ name: String) -> Bool {
        !name.isEmpty && name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// The receivers with their URLs resolved (from the file or the environment); a variable that is
    /// not set turns its receiver off with a warning, and a URL from the environment is checked like
    /// one in the file.
    mutating func resolveWebhooks(
        _ c: PaperTraderConfig, environment: [String: String], warnings: inout [String]
    ) -> [ResolvedWebhook] {
        c.alerts.webhooks.enumerated().compactMap { i, hook in
            let key = "alerts.webhooks[\(i)]"
            var text = hook.url
            if let name = hook.urlEnv {
                guard let value = environment[name], !value.isEmpty else {
                    warnings.append("\(key).url_env names $\(name) but it is not set: that receiver is off")
                    return nil
                }
                if let problem = Self.webhookURLProblem(value) {
                    issue(lines["alerts.webhooks"], "\(key).url_env", "$\(name) \(problem)")
                    return nil
                }
                text = value
            }
            guard let text, let host = URL(string: text)?.host else { return nil }
            return ResolvedWebhook(url: Secret(text), format: hook.format, events: hook.events, shownAs: host)
        }
    }
}
