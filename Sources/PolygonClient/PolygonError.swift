/// A Polygon failure with what to do about it. Never contains the API key or a URL carrying it.
public struct PolygonError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// 401: the key is wrong or revoked.
        public static let unauthorized = Code(name: "unauthorized")
        /// 403 / NOT_AUTHORIZED / NOT_ENTITLED: the plan does not include this data.
        public static let notEntitled = Code(name: "not entitled")
        /// 429 after every retry within the budget.
        public static let rateLimited = Code(name: "rate limited")
        public static let notFound = Code(name: "not found")
        public static let server = Code(name: "server error")
        public static let decoding = Code(name: "unexpected response")
        public static let transport = Code(name: "transport error")
        public static let budgetExhausted = Code(name: "time budget exhausted")
        /// Refused to send the key: plain http to a non-loopback host, another host, or a redirect away.
        public static let insecure = Code(name: "refused for the key's safety")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var httpStatus: Int?
    public var requestID: String?

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestID = requestID
    }

    /// Whether the failure should open the provider's breaker at once (retrying cannot help).
    public var isPermanent: Bool { code == .unauthorized || code == .notEntitled || code == .insecure }

    public var description: String {
        var text = "Polygon \(code): \(message)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        switch code {
        case .unauthorized:
            text +=
                ". Check the key in the environment variable named by polygon.api_key_env (default POLYGON_API_KEY)."
        case .notEntitled:
            text +=
                ". Your Polygon plan does not include this data (options snapshots need an options plan, I:VIX an indices plan)."
        case .insecure:
            text += ". Set polygon.base_url to https://api.polygon.io (or your https proxy)."
        case .rateLimited:
            text += ". Lower collection frequency or raise polygon.requests_per_minute only if your plan allows it."
        default: break
        }
        return text
    }
}
