import OptionsModel

/// A configuration value as read from YAML or the environment, before it is typed.
public enum ConfigValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case list([String])
    case null
}

/// The type and allowed values of one field.
public enum ConfigKind: Sendable {
    case int(ClosedRange<Int>)
    case double(ClosedRange<Double>)
    case bool
    case string
    /// An optional string (null or absent = unset).
    case optionalString
    case choice([String])
    /// `HH:MM`, 24-hour.
    case clockTime
    /// Upper-case ticker symbols, non-empty, unique.
    case symbols
}

/// One configuration key: where it lives, its type, how it maps into `PaperTraderConfig`, and what it means.
public struct ConfigField: Sendable {
    /// Key path in the file, e.g. `["collection", "interval_seconds"]`.
    public let path: [String]
    public let kind: ConfigKind
    /// What the key means (shown in docs and `config show`).
    public let doc: String
    let get: @Sendable (PaperTraderConfig) -> ConfigValue
    let set: @Sendable (inout PaperTraderConfig, ConfigValue) -> Void

    /// `section.key`.
    public var dotted: String { path.joined(separator: ".") }

    /// The `PAPERTRADER_SECTION_KEY` environment variable that overrides it.
    public var environmentName: String {
        "PAPERTRADER_" + path.joined(separator: "_").uppercased()
    }
}

extension ConfigField {
    static func int(
        _ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, Int> & Sendable, _ range: ClosedRange<Int>,
        _ doc: String
    ) -> ConfigField {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .int(range), doc: doc,
            get: { .int($0[keyPath: kp]) }, set: { c, v in if case .int(let i) = v { c[keyPath: kp] = i } })
    }

    static func double(
        _ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, Double> & Sendable, _ range: ClosedRange<Double>,
        _ doc: String
    ) -> ConfigField {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .double(range), doc: doc,
            get: { .double($0[keyPath: kp]) }, set: { c, v in if case .double(let d) = v { c[keyPath: kp] = d } })
    }

    static func bool(_ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, Bool> & Sendable, _ doc: String)
        -> ConfigField
    {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .bool, doc: doc,
            get: { .bool($0[keyPath: kp]) }, set: { c, v in if case .bool(let b) = v { c[keyPath: kp] = b } })
    }

    static func string(_ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, String> & Sendable, _ doc: String)
        -> ConfigField
    {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .string, doc: doc,
            get: { .string($0[keyPath: kp]) }, set: { c, v in if case .string(let s) = v { c[keyPath: kp] = s } })
    }

    static func optionalString(
        _ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, String?> & Sendable, _ doc: String
    ) -> ConfigField {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .optionalString, doc: doc,
            get: { $0[keyPath: kp].map(ConfigValue.string) ?? .null },
            set: { c, v in
                if case .string(let s) = v { c[keyPath: kp] = s } else if case .null = v { c[keyPath: kp] = nil }
            })
    }

    static func choice(
        _ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, String> & Sendable, _ options: [String],
        _ doc: String
    ) -> ConfigField {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .choice(options), doc: doc,
            get: { .string($0[keyPath: kp]) }, set: { c, v in if case .string(let s) = v { c[keyPath: kp] = s } })
    }

    static func time(_ path: String, _ kp: any WritableKeyPath<PaperTraderConfig, String> & Sendable, _ doc: String)
        -> ConfigField
    {
        ConfigField(
            path: path.split(separator: ".").map(String.init), kind: .clockTime, doc: doc,
            get: { .string($0[keyPath: kp]) }, set: { c, v in if case .string(let s) = v { c[keyPath: kp] = s } })
    }
}

/// Every key of `paper_trading.yaml`, in file order. One table drives validation, environment
/// overrides, `config show` and the configuration reference.
public enum ConfigSchema {
    public static let fields: [ConfigField] = [
        .string("gateway.host", \.gateway.host, "IB Gateway / TWS host."),
        .int("gateway.port", \.gateway.port, 1...65535, "API port: 4002 paper IB Gateway, 7497 paper TWS."),
        .int(
            "gateway.client_id", \.gateway.clientId, 0...2_147_483_646,
            "API client id, unique per connection to the gateway."),
        .double("gateway.connect_timeout_seconds", \.gateway.connectTimeoutSeconds, 0.1...600, "Handshake timeout."),
        .double(
            "gateway.request_timeout_seconds", \.gateway.requestTimeoutSeconds, 0.1...3600, "Timeout of one request."),
        ConfigField(
            path: ["gateway", "market_data_type"], kind: .choice(MarketDataType.allCases.map(\.configName)),
            doc: "Market data type to request: live, frozen, delayed or delayed_frozen.",
            get: { .string($0.gateway.marketDataType.configName) },
            set: { c, v in
                if case .string(let s) = v, let t = MarketDataType(configName: s) { c.gateway.marketDataType = t }
            }),
        .int(
            "gateway.max_market_data_lines", \.gateway.maxMarketDataLines, 1...10_000,
            "Concurrent market-data lines the account has (IB default 100)."),
        .int(
            "gateway.max_messages_per_second", \.gateway.maxMessagesPerSecond, 1...50,
            "Client -> gateway message rate limit (IB allows 50)."),
        .double(
            "gateway.reconnect.initial_backoff_seconds", \.gateway.reconnectInitialBackoffSeconds, 0.1...600,
            "First reconnect delay."),
        .double(
            "gateway.reconnect.max_backoff_seconds", \.gateway.reconnectMaxBackoffSeconds, 1...3600,
            "Longest reconnect delay."),
        .optionalString(
            "gateway.capture_file", \.gateway.captureFile,
            "Record every frame to <path>.client / <path>.server (readable by `wire decode`)."),

        ConfigField(
            path: ["collection", "symbols"], kind: .symbols, doc: "Underlyings whose option chains are collected.",
            get: { .list($0.collection.symbols) },
            set: { c, v in if case .list(let l) = v { c.collection.symbols = l } }),
        .int(
            "collection.interval_seconds", \.collection.intervalSeconds, 60...86_400,
            "Seconds between collection cycles (at least 60)."),
        .int("collection.dte_min", \.collection.dteMin, 0...3650, "Shortest days to expiry collected."),
        .int("collection.dte_max", \.collection.dteMax, 0...3650, "Longest days to expiry collected."),
        .int(
            "collection.max_expiries", \.collection.maxExpiries, 0...100,
            "Expiries per symbol inside the DTE window, besides the one the strategy trades (0 = only that one)."),
        .double(
            "collection.strike_range_pct", \.collection.strikeRangePct, 0.001...0.5,
            "Strikes within this fraction of spot (0.08 = +-8%)."),
        .double(
            "collection.snapshot_timeout_seconds", \.collection.snapshotTimeoutSeconds, 0.5...120,
            "Wait for a snapshot's end before taking what arrived."),
        .double(
            "collection.greeks_timeout_seconds", \.collection.greeksTimeoutSeconds, 0.1...120,
            "Extra wait for greeks that lag the quotes."),
        .choice(
            "collection.open_interest", \.collection.openInterest, ["every_cycle", "daily", "off"],
            "Open interest collection (it needs a streaming line per contract)."),
        .double(
            "collection.open_interest_timeout_seconds", \.collection.openInterestTimeoutSeconds, 0.5...120,
            "Wait for open-interest ticks before cancelling."),
        .time("collection.hours.start", \.collection.hoursStart, "Collection starts (New York time)."),
        .time("collection.hours.end", \.collection.hoursEnd, "Collection ends (New York time)."),
        .bool("collection.hours.weekdays_only", \.collection.weekdaysOnly, "Collect on weekdays only."),
        .bool("collection.hours.skip_holidays", \.collection.skipHolidays, "Skip NYSE holidays."),
        .string(
            "collection.bar_duration", \.collection.barDuration,
            "IB duration of daily bars for trend (e.g. 200 D, 1 Y)."),

        .string("storage.path", \.storage.path, "SQLite database file."),
        .int(
            "storage.retention_days", \.storage.retentionDays, 0...36_500,
            "Days of option snapshots kept (0 = forever)."),

        .bool("polygon.enabled", \.polygon.enabled, "Use Polygon as the fallback data source."),
        .string("polygon.api_key_env", \.polygon.apiKeyEnv, "Environment variable holding the Polygon API key."),
        .string(
            "polygon.base_url", \.polygon.baseURL,
            "Polygon REST base URL: https (plain http only to a loopback address, for tests)."),
        .int("polygon.requests_per_minute", \.polygon.requestsPerMinute, 1...100_000, "Request budget (free plan: 5)."),
        .double("polygon.timeout_seconds", \.polygon.timeoutSeconds, 1...600, "HTTP timeout."),

        .int(
            "circuit_breaker.failure_threshold", \.circuitBreaker.failureThreshold, 1...1000,
            "Consecutive failures that open a provider's breaker."),
        .double(
            "circuit_breaker.reset_timeout_seconds", \.circuitBreaker.resetTimeoutSeconds, 1...86_400,
            "Seconds before an open breaker tries again."),

        .double("strategy.min_iv_rank", \.strategy.minIVRank, 0...100, "Minimum IV rank to enter."),
        .double("strategy.vix_min", \.strategy.vixMin, 0...200, "Lowest VIX to enter."),
        .double("strategy.vix_max", \.strategy.vixMax, 0...200, "Highest VIX to enter."),
        .bool(
            "strategy.structures.bull_put_spread", \.strategy.bullPutSpread,
            "Trade bull put credit spreads in uptrends."),
        .bool(
            "strategy.structures.bear_call_spread", \.strategy.bearCallSpread,
            "Trade bear call credit spreads in downtrends."),
        .bool("strategy.structures.iron_condor", \.strategy.ironCondor, "Trade iron condors when neutral."),
        .int("strategy.target_dte", \.strategy.targetDTE, 1...3650, "Preferred days to expiry."),
        .int("strategy.dte_window_min", \.strategy.dteWindowMin, 1...3650, "Shortest acceptable days to expiry."),
        .int("strategy.dte_window_max", \.strategy.dteWindowMax, 1...3650, "Longest acceptable days to expiry."),
        .double(
            "strategy.short_delta_min", \.strategy.shortDeltaMin, 0.01...0.99, "Short strike absolute delta, low end."),
        .double(
            "strategy.short_delta_max", \.strategy.shortDeltaMax, 0.01...0.99, "Short strike absolute delta, high end."),
        .double(
            "strategy.short_delta_target", \.strategy.shortDeltaTarget, 0.01...0.99,
            "Short strike absolute delta, preferred."),
        .choice(
            "strategy.long_strike_mode", \.strategy.longStrikeMode, ["width", "delta"],
            "Pick the long strike by width or by delta."),
        .double("strategy.spread_width", \.strategy.spreadWidth, 0.5...500, "Dollars between short and long strike."),
        .double("strategy.long_delta", \.strategy.longDelta, 0.01...0.99, "Long strike absolute delta (delta mode)."),
        .double(
            "strategy.min_credit_fraction", \.strategy.minCreditFraction, 0...1,
            "Minimum credit as a fraction of the width."),
        .choice(
            "strategy.iv_rank_until_history", \.strategy.ivRankUntilHistory, ["allow", "refuse"],
            "Entries while IV rank has fewer than 30 days of IV history (50.0 stands in): allow or refuse."),
        .double(
            "strategy.max_spread_pct_of_mid", \.strategy.maxSpreadPctOfMid, 0.001...10,
            "Max bid-ask spread of a leg as a fraction of its mid."),
        .double(
            "strategy.min_open_interest", \.strategy.minOpenInterest, 0...1e9, "Minimum open interest of each leg."),
        .double(
            "strategy.max_quote_age_seconds", \.strategy.maxQuoteAgeSeconds, 1...86_400,
            "Quotes older than this are stale."),
        .bool("strategy.allow_delayed_data", \.strategy.allowDelayedData, "Allow entries on delayed data."),
        .int("strategy.quantity", \.strategy.quantity, 1...1000, "Contracts per position."),
        .double(
            "strategy.take_profit_pct", \.strategy.takeProfitPct, 0.01...1,
            "Take profit at this fraction of the credit captured."),
        .double(
            "strategy.stop_loss_multiple", \.strategy.stopLossMultiple, 1.01...100,
            "Stop when buying the spread back costs this multiple of the credit (2.0 = a loss equal to the credit)."),
        .int("strategy.exit_dte", \.strategy.exitDTE, 0...3650, "Close with this many days to expiry left."),
        .double(
            "strategy.short_delta_exit", \.strategy.shortDeltaExit, 0.01...1,
            "Close when the short leg's absolute delta exceeds this."),
        .int(
            "strategy.close_before_expiry_days", \.strategy.closeBeforeExpiryDays, 0...30,
            "Close this many days before expiry at the latest."),
        .bool(
            "strategy.close_before_ex_dividend", \.strategy.closeBeforeExDividend,
            "On the last day before an ex-dividend date, close a position whose short call is in the money with less time value than the dividend (early assignment risk)."
        ),
        .bool(
            "strategy.refuse_short_calls_over_ex_dividend", \.strategy.refuseShortCallsOverExDividend,
            "Refuse an entry whose short call would be held over an ex-dividend date with less time value than the dividend."
        ),
        .double(
            "strategy.pin_risk_expected_moves", \.strategy.pinRiskExpectedMoves, 0...10,
            "On expiration day, close when spot is within this many expected moves (the expiry's ATM straddle) of a short strike; 0 = off."
        ),

        .choice(
            "execution.venue", \.execution.venue, ["ib_paper", "simulated"],
            "ib_paper sends combo orders to the paper account; simulated fills internally."),
        .double(
            "execution.limit_offset", \.execution.limitOffset, -100...100,
            "Dollars added to mid for the first limit price."),
        .double(
            "execution.reprice_after_seconds", \.execution.repriceAfterSeconds, 1...86_400,
            "Re-price an unfilled order after this long."),
        .int("execution.max_reprices", \.execution.maxReprices, 0...100, "Re-prices before giving up."),
        .double(
            "execution.reprice_step", \.execution.repriceStep, 0.01...100,
            "Dollars moved toward the natural price per re-price."),
        .double(
            "execution.cancel_unfilled_after_seconds", \.execution.cancelUnfilledAfterSeconds, 1...86_400,
            "Cancel an order still unfilled after this long."),
        .double(
            "execution.slippage", \.execution.slippage, 0...100, "Simulated venue: slippage per spread in dollars."),
        .double(
            "execution.commission_per_contract", \.execution.commissionPerContract, 0...100,
            "Simulated venue: commission per contract."),
        .bool(
            "execution.cancel_orders_on_shutdown", \.execution.cancelOrdersOnShutdown,
            "Cancel working orders when `run` stops."),
        .double(
            "execution.starting_cash", \.execution.startingCash, 0...1e12,
            "Simulated venue: the book's starting cash (ib_paper reads the account's net liquidation)."),

        .int("risk.max_open_positions", \.risk.maxOpenPositions, 0...1000, "Open positions overall."),
        .int("risk.max_positions_per_symbol", \.risk.maxPositionsPerSymbol, 0...1000, "Open positions per underlying."),
        .double(
            "risk.max_risk_per_trade", \.risk.maxRiskPerTrade, 0...1e9, "(width - credit) x 100 x quantity, dollars."),
        .double("risk.max_total_risk", \.risk.maxTotalRisk, 0...1e10, "Sum of open positions' max loss, dollars."),
        .int(
            "risk.max_new_positions_per_day", \.risk.maxNewPositionsPerDay, 0...1000, "New positions per trading day."),
        .double(
            "risk.daily_loss_limit", \.risk.dailyLossLimit, 0...1e9,
            "Fall of equity since the previous close that halts entries, dollars."),
        .time("risk.trading_window_start", \.risk.tradingWindowStart, "Entries allowed from (New York time)."),
        .time("risk.trading_window_end", \.risk.tradingWindowEnd, "Entries allowed until (New York time)."),
        .time(
            "risk.exit_window_start", \.risk.exitWindowStart,
            "Take-profit and DTE exits allowed from (New York time); risk exits fire any time."),
        .time("risk.exit_window_end", \.risk.exitWindowEnd, "Take-profit and DTE exits allowed until (New York time)."),
        .bool(
            "risk.allow_overlapping_positions", \.risk.allowOverlappingPositions,
            "Allow an entry overlapping an open position's strikes in the same symbol and expiry."),
        .int(
            "risk.no_entry_minutes_before_close", \.risk.noEntryMinutesBeforeClose, 0...390,
            "No entries this close to the session close."),
        .string(
            "risk.kill_switch_file", \.risk.killSwitchFile,
            "Entries halt while this marker exists; `kill-switch on|off` creates and removes only its own marker (never the database, its WAL/SHM, a directory or another file)."
        ),
        .bool("risk.flatten_on_kill", \.risk.flattenOnKill, "Also close open positions when the kill switch is on."),
        .double(
            "risk.min_pop", \.risk.minPOP, 0...1,
            "Lowest probability of profit at expiry of an entry (lognormal N(d2) at the breakevens; 0 = none)."),
        .double(
            "risk.beta_weighted_delta_min", \.risk.betaWeightedDeltaMin, -1e7...1e7,
            "Lowest beta-weighted delta of the book with an entry, SPY shares."),
        .double(
            "risk.beta_weighted_delta_max", \.risk.betaWeightedDeltaMax, -1e7...1e7,
            "Highest beta-weighted delta of the book with an entry, SPY shares."),
        .double(
            "risk.max_vega", \.risk.maxVega, 0...1e9,
            "Largest absolute vega of the book with an entry, dollars per volatility point."),
        .double(
            "risk.max_negative_gamma", \.risk.maxNegativeGamma, 0...1e9,
            "Largest negative gamma of the book with an entry, shares per $1 move."),
        .string(
            "risk.max_nlv_at_risk_by_vix", \.risk.maxNLVAtRiskByVIX,
            "VIX bands 'from:share, ...' (e.g. '0:0.10, 25:0.06'): the book's max loss may reach this share of net liquidation from that VIX up."
        ),
        .double(
            "risk.margin_reserve", \.risk.marginReserve, 0...1e12,
            "Dollars of available funds an entry's initial margin (IB what-if for ib_paper, Reg-T otherwise) must leave."
        ),
        .int("risk.beta_lookback_days", \.risk.betaLookbackDays, 21...2520, "Daily closes behind each beta to SPY."),
        .int(
            "risk.scenario_horizon_days", \.risk.scenarioHorizonDays, 0...3650,
            "Days ahead of the scenario matrix's second date (`report --risk`)."),

        .bool("http.enabled", \.http.enabled, "Serve /health, /metrics and /api while `run` is active."),
        .string("http.host", \.http.host, "HTTP bind address."),
        .int("http.port", \.http.port, 1...65535, "HTTP port."),
        .optionalString(
            "http.token_env", \.http.tokenEnv,
            "Environment variable holding the bearer token of the control routes (POST /api/...); unset: controls off (403). A non-loopback http.host needs one."
        ),

        .int(
            "alerts.gateway_down_seconds", \.alerts.gatewayDownSeconds, 1...86_400,
            "Send gateway_down once the gateway has been down this long (gateway_back when it returns)."),
        .int(
            "alerts.queue_capacity", \.alerts.queueCapacity, 1...100_000,
            "Alerts waiting for delivery; beyond it new ones are dropped and counted (papertrader_alerts_dropped_total)."
        ),
        .double(
            "alerts.poll_seconds", \.alerts.pollSeconds, 0.1...3600,
            "How often the alert service reads the journal, the cycles and the health state."),
        .int(
            "alerts.attempts", \.alerts.attempts, 1...20,
            "Deliveries tried per alert and receiver (backoff doubling from 1 s). After this key: webhooks, a list of {url | url_env, format: slack | json, events: [...]} (events empty = all)."
        ),

        .choice(
            "logging.level", \.logging.level, ["trace", "debug", "info", "notice", "warning", "error", "critical"],
            "Log level."),
        .choice("logging.format", \.logging.format, ["text", "json"], "Log format."),
        .optionalString("logging.file", \.logging.file, "Also append logs to this file."),
    ]

    /// Field by dotted path.
    public static func field(_ dotted: String) -> ConfigField? {
        fields.first { $0.dotted == dotted }
    }
}
