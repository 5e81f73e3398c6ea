import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where the Polygon key may go, and what of the server's text may be shown: the key is sent only over
/// https (plain http only to a loopback address, for tests), only to the configured host, never across
/// a redirect to another host, and is cut out of anything that came back from the server.
public enum PolygonKeyGuard {
    /// Why `url` must not receive the key (nil: it may).
    public static func insecurity(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            return "is not an absolute URL with a host (e.g. https://api.polygon.io)"
        }
        if scheme == "https" { return nil }
        if scheme == "http" && isLoopback(host) { return nil }
        return
            "uses \(scheme)://, so the API key would travel unencrypted: use https:// (plain http is allowed only to a loopback address such as 127.0.0.1, for tests)"
    }

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// Whether `a` and `b` are the same origin (scheme, host and port).
    public static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ u: URL) -> Int? { u.port ?? (u.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && port(a) == port(b)
    }

    /// `text` with every occurrence of `key` (as is and percent-encoded) and any `apiKey=` value replaced.
    public static func scrub(_ text: String, key: String) -> String {
        var out = text
        if key.count >= 4 {
            out = out.replacingOccurrences(of: key, with: "[REDACTED]")
            if let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != key {
                out = out.replacingOccurrences(of: encoded, with: "[REDACTED]")
            }
        }
        return PolygonClient.redact(out)
    }
}

/// Refuses to follow a redirect to another origin (the request would carry the Authorization header
/// there); the 3xx answer comes back to the client, which reports it.
final class SameOriginRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        guard let from = task.originalRequest?.url, let to = request.url, PolygonKeyGuard.sameOrigin(from, to) else {
            completionHandler(nil)
            return
        }
        completionHandler(request)
    }
}
