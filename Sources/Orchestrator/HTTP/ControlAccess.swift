import AppConfig
import HTTPTypes
import Hummingbird

/// Who may use the control routes: a request with `Authorization: Bearer <token>` matching the
/// configured token (compared in constant time). Without a configured token the controls are off.
/// No cookies are read or set, so a browser page elsewhere cannot ride on a session (no CSRF).
struct ControlAccess: Sendable {
    let token: Secret?
    let tokenEnv: String?

    /// nil when `request` may act; otherwise the refusal: 403 with the reason when the controls are
    /// off, 401 with no detail for a missing or wrong token.
    func refusal(_ request: Request) -> HTTPReply? {
        guard let token else {
            let how =
                tokenEnv.map { "export $\($0) for the running service" }
                ?? "set http.token_env to an environment variable holding a token and export it"
            return .error(403, "control routes are off: no token is configured (\(how))")
        }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(String(header.dropFirst(prefix.count)), token.value)
        else { return .error(401, "unauthorized") }
        return nil
    }

    /// Equal byte strings, in a time that depends on the lengths only, never on where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    /// `X-Papertrader-Origin`. The name is a literal of letters and dashes, which the failable
    /// initializer accepts, so the unwrap cannot fail.
    static let originField = HTTPField.Name("X-Papertrader-Origin")!

    /// Where a control request came from, for the journal: `cli` when the papertrader CLI says so in
    /// `X-Papertrader-Origin`, `http` otherwise (only letters, digits and `-` are kept).
    static func origin(_ request: Request) -> String {
        let said = request.headers[originField].map { value in
            String(value.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }.prefix(32))
        }
        return said.map { $0.isEmpty ? "http" : "http/\($0)" } ?? "http"
    }
}
