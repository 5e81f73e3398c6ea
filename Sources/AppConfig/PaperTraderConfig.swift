import OptionsModel

/// The whole configuration of papertrader, as typed values. Every field has a default, so an empty
/// file is a valid configuration (`PaperTraderConfig()`).
public struct PaperTraderConfig: Sendable, Equatable {
    public var gateway = GatewayConfig()
    public var collection = CollectionConfig()
    public var storage = StorageConfig()
    public var polygon = PolygonConfig()
    public var circuitBreaker = CircuitBreakerConfig()
    public var strategy = StrategyConfig()
    public var execution = ExecutionConfig()
    public var risk = RiskConfig()
    public var http = HTTPConfig()
    public var alerts = AlertsConfig()
    public var logging = LoggingConfig()

    public init() {}

    /// The built-in defaults.
    public static let defaults = PaperTraderConfig()
}

/// Where the IB Gateway is and how hard we may use it.
public struct GatewayConfig: Sendable, Equatable {
    /// Gateway host (127.0.0.1).
    public var host = "127.0.0.1"
    /// 4002 paper IB Gateway, 7497 paper TWS.
    public var port = 4002
    /// API client id; must be unique per connection to the gateway (17).
    public var clientId = 17
    public var connectTimeoutSeconds = 10.0
    public var requestTimeoutSeconds = 30.0
    /// live | frozen | delayed | delayed_frozen.
    public var marketDataType: MarketDataType = .live
    public var maxMarketDataLines = 100
    public var maxMessagesPerSecond = 50
    public var reconnectInitialBackoffSeconds = 1.0
    public var reconnectMaxBackoffSeconds = 60.0
    /// When set, every frame in both directions is recorded to `<path>.client` / `<path>.server`.
    public var captureFile: String? = nil
}

/// What to collect and how often.
public struct CollectionConfig: Sendable, Equatable {
    public var symbols = ["SPY", "QQQ", "IWM"]
    /// Seconds between cycles (>= 60).
    public var intervalSeconds = 300
    public var dteMin = 7
    public var dteMax = 60
    /// Expiries per symbol within the DTE window.
    public var maxExpiries = 4
    /// Strikes within this fraction of spot.
    public var strikeRangePct = 0.08
    public var snapshotTimeoutSeconds = 11.0
    public var greeksTimeoutSeconds = 5.0
    /// every_cycle | daily | off.
    public var openInterest = "daily"
    public var openInterestTimeoutSeconds = 5.0
    /// Collection hours in New York time.
    public var hoursStart = "09:30"
    public var hoursEnd = "16:00"
    public var weekdaysOnly = true
    public var skipHolidays = true
    /// IB duration for the daily bars used by trend and IV history.
    public var barDuration = "1 Y"
}

/// The SQLite database.
public struct StorageConfig: Sendable, Equatable {
    public var path = "data/market_data.sqlite"
    /// Days of option snapshots to keep (0 = forever; daily ATM IV history is always kept).
    public var retentionDays = 0
}

/// The Polygon REST fallback.
public struct PolygonConfig: Sendable, Equatable {
    public var enabled = false
    /// Name of the environment variable holding the API key (the key itself never goes in the file).
    public var apiKeyEnv = "POLYGON_API_KEY"
    public var baseURL = "https://api.polygon.io"
    /// Free plan: 5.
    public var requestsPerMinute = 5
    public var timeoutSeconds = 20.0
}

/// Per-provider circuit breakers.
public struct CircuitBreakerConfig: Sendable, Equatable {
    public var failureThreshold = 5
    public var resetTimeoutSeconds = 60.0
}

/// Entry signals and strike selection.
public struct StrategyConfig: Sendable, Equatable {
    public var minIVRank = 30.0
    public var vixMin = 12.0
    public var vixMax = 35.0
    public var bullPutSpread = true
    public var bearCallSpread = true
    public var ironCondor = true
    public var targetDTE = 45
    public var dteWindowMin = 30
    public var dteWindowMax = 60
    public var shortDeltaMin = 0.20
    public var shortDeltaMax = 0.30
    public var shortDeltaTarget = 0.25
    /// width | delta.
    public var longStrikeMode = "width"
    /// Dollars between short and long strike.
    public var spreadWidth = 5.0
    /// Long-leg absolute delta when long_strike_mode is delta.
    public var longDelta = 0.10
    /// Minimum credit as a fraction of the width.
    public var minCreditFraction = 0.20
    /// allow | refuse: entries while IV rank has fewer than 30 days of history behind it.
    public var ivRankUntilHistory = "refuse"
    /// Max bid-ask spread as a fraction of mid, per leg.
    public var maxSpreadPctOfMid = 0.25
    public var minOpenInterest = 100.0
    public var maxQuoteAgeSeconds = 900.0
    public var allowDelayedData = false
    public var quantity = 1
    /// Take profit when this fraction of the credit is captured.
    public var takeProfitPct = 0.50
    /// Stop when the loss reaches this multiple of the credit.
    public var stopLossMultiple = 2.0
    /// Close with this many days to expiry left.
    public var exitDTE = 21
    /// Close when the short leg's absolute delta exceeds this.
    public var shortDeltaExit = 0.50
    /// Close this many days before expiry at the latest.
    public var closeBeforeExpiryDays = 1
    /// Close before an ex-dividend date when a short call risks early assignment.
    public var closeBeforeExDividend = true
    /// Refuse entries whose short call would be held over an ex-date with less time value than the dividend.
    public var refuseShortCallsOverExDividend = true
    /// On expiration day, close within this many expected moves of a short strike (0: off).
    public var pinRiskExpectedMoves = 0.5
}

/// How orders are executed.
public struct ExecutionConfig: Sendable, Equatable {
    /// ib_paper | simulated.
    public var venue = "ib_paper"
    /// Added to mid for the first limit price (dollars; negative = more aggressive for credits).
    public var limitOffset = 0.0
    public var repriceAfterSeconds = 60.0
    public var maxReprices = 3
    /// Dollars moved toward the natural price per reprice.
    public var repriceStep = 0.05
    public var cancelUnfilledAfterSeconds = 300.0
    /// Simulated venue: fill at mid minus this per spread.
    public var slippage = 0.02
    public var commissionPerContract = 0.65
    public var cancelOrdersOnShutdown = false
    /// Simulated venue: the book's starting cash (ib_paper takes the account's net liquidation).
    public var startingCash = 100_000.0
}

/// Risk limits.
public struct RiskConfig: Sendable, Equatable {
    public var maxOpenPositions = 5
    public var maxPositionsPerSymbol = 2
    /// (width - credit) x 100 x quantity, dollars.
    public var maxRiskPerTrade = 500.0
    public var maxTotalRisk = 2500.0
    public var maxNewPositionsPerDay = 3
    /// Fall of equity since the previous session's close that halts entries.
    public var dailyLossLimit = 1000.0
    public var tradingWindowStart = "09:45"
    public var tradingWindowEnd = "15:45"
    /// Profit-taking and DTE exits wait for this window (risk exits fire any time there is a quote).
    public var exitWindowStart = "09:45"
    public var exitWindowEnd = "15:45"
    public var noEntryMinutesBeforeClose = 15
    /// Allow an entry overlapping an open position's strikes in the same symbol and expiry.
    public var allowOverlappingPositions = false
    /// Entries halt while this file exists.
    public var killSwitchFile = "data/KILL"
    /// Also close open positions when the kill switch is on.
    public var flattenOnKill = false
    /// Lowest probability of profit at expiry of an entry (0 = none).
    public var minPOP = 0.45
    /// Band of the book's beta-weighted delta (SPY shares) with an entry.
    public var betaWeightedDeltaMin = -250.0
    public var betaWeightedDeltaMax = 250.0
    /// Largest absolute vega of the book, dollars per volatility point.
    public var maxVega = 1000.0
    /// Largest negative gamma of the book, shares per $1.
    public var maxNegativeGamma = 100.0
    /// `VIX from:share` pairs: the share of net liquidation the book's max loss may reach.
    public var maxNLVAtRiskByVIX = "0:0.10, 25:0.06"
    /// Available funds an entry's initial margin must leave.
    public var marginReserve = 1000.0
    /// Daily closes behind each beta to SPY.
    public var betaLookbackDays = 60
    /// Days ahead of the second scenario date.
    public var scenarioHorizonDays = 7
}

/// The HTTP endpoint started by `run`.
public struct HTTPConfig: Sendable, Equatable {
    public var enabled = true
    public var host = "127.0.0.1"
    public var port = 8080
    /// The environment variable holding the bearer token of the control routes; nil: controls off.
    public var tokenEnv: String? = nil

    /// Whether `host` is a loopback address (only such a bind may go without a token).
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }
}

/// Logs.
public struct LoggingConfig: Sendable, Equatable {
    /// trace | debug | info | notice | warning | error | critical.
    public var level = "info"
    /// text | json.
    public var format = "text"
    /// Also append logs to this file (JSON lines when format is json).
    public var file: String? = nil
}
