import Foundation

/// What an alert is about; `alerts.webhooks[].events` names these (empty: all).
public enum AlertEventKind: String, Sendable, CaseIterable, Codable {
    case positionOpened = "position_opened"
    case positionClosed = "position_closed"
    case orderRejected = "order_rejected"
    case orderUnfilled = "order_unfilled"
    case cycleFailed = "cycle_failed"
    case cyclePartial = "cycle_partial"
    case breakerOpened = "breaker_opened"
    case breakerClosed = "breaker_closed"
    case gatewayDown = "gateway_down"
    case gatewayBack = "gateway_back"
    case dataStale = "data_stale"
    case killSwitchChanged = "kill_switch_changed"
    case dailyLossLimit = "daily_loss_limit"
}

/// Where alerts go and which ones (the `alerts:` section).
public struct AlertsConfig: Sendable, Equatable {
    /// Each receiver, in file order.
    public var webhooks: [WebhookConfig] = []
    /// `gateway_down` is sent once the gateway has been down this long.
    public var gatewayDownSeconds = 60
    /// Alerts waiting for delivery; beyond it new ones are dropped and counted, so a dead receiver
    /// never holds up the trader.
    public var queueCapacity = 200
    /// How often the alert service looks at the journal, the cycles and the health state.
    public var pollSeconds = 5.0
    /// Attempts per alert and receiver before it is given up (with doubling backoff from 1 s).
    public var attempts = 4

    /// No receivers, the default timings.
    public init() {}
}

/// One receiver: a Slack-compatible incoming webhook or a generic JSON POST.
public struct WebhookConfig: Sendable, Equatable {
    /// The URL written in the file (a local receiver); Slack's URLs are secrets and belong in `url_env`.
    public var url: String?
    /// The environment variable holding the URL.
    public var urlEnv: String?
    /// `slack` (`{"text": ...}`) or `json` (`{"event", "message", "time", "symbol"}`).
    public var format = "json"
    /// The kinds this receiver wants; empty: every kind.
    public var events: [AlertEventKind] = []

    /// A receiver.
    public init(url: String? = nil, urlEnv: String? = nil, format: String = "json", events: [AlertEventKind] = []) {
        self.url = url
        self.urlEnv = urlEnv
        self.format = format
        self.events = events
    }

    /// Whether this receiver wants `kind`.
    public func wants(_ kind: AlertEventKind) -> Bool { events.isEmpty || events.contains(kind) }
}

/// A receiver ready to send to: its format and events, and its URL as a secret (never printed whole).
public struct ResolvedWebhook: Sendable, Equatable {
    public var url: Secret
    public var format: String
    public var events: [AlertEventKind]
    /// `host` only, for logs and `config show`.
    public var shownAs: String

    /// A receiver from its resolved parts.
    public init(url: Secret, format: String, events: [AlertEventKind], shownAs: String) {
        self.url = url
        self.format = format
        self.events = events
        self.shownAs = shownAs
    }

    /// Whether this receiver wants `kind`.
    public func wants(_ kind: AlertEventKind) -> Bool { events.isEmpty || events.contains(kind) }
}
