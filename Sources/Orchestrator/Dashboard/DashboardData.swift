import Foundation
import OptionsModel
import SnapshotStore
import Trading

/// Everything the dashboard page shows, gathered once per request (`DashboardData.load`) and
/// rendered by the pure `DashboardPage.render`: the split lets the renderer be tested on hand-made
/// values and the gathering on a real store.
public struct DashboardData: Sendable {
    /// Market time the page was made at.
    public var generatedAt: Date
    /// The store the page was read from.
    public var storePath: String
    /// The book; nil when it could not be read (`problems` says why).
    public var portfolio: PortfolioSummary?
    /// Equity marks, oldest first (sampled; see `SQLiteStore.equitySeries`).
    public var equity: [EquityPoint] = []
    /// Closed trades, oldest first.
    public var closed: [ClosedTrade] = []
    /// Held positions (open, closing, assigned), oldest first.
    public var open: [OpenPosition] = []
    /// One panel per configured symbol (and any symbol held).
    public var symbols: [SymbolPanel] = []
    /// Recent cycles, newest first.
    public var cycles: [CycleSummary] = []
    /// How old each symbol's latest stored snapshot is.
    public var freshness: [Freshness] = []
    /// The running service's connection; nil when the page is made from the store alone.
    public var live: LiveState?
    /// What could not be read, in words (shown on the page instead of an error page).
    public var problems: [String] = []
    /// The open book's spot x IV scenario matrix (the risk heat map); nil with nothing held.
    public var scenarios: ScenarioMatrix?
    /// Rows read from the store per series (what a benchmark reports).
    public var rowsRead: [String: Int] = [:]

    /// An empty page's data.
    public init(generatedAt: Date, storePath: String) {
        self.generatedAt = generatedAt
        self.storePath = storePath
    }

    /// Whether nothing was ever collected or traded.
    public var isEmpty: Bool { cycles.isEmpty && equity.isEmpty && open.isEmpty && closed.isEmpty }
}

/// A closed trade as the page shows it.
public struct ClosedTrade: Sendable, Equatable {
    /// The position's id.
    public var id: Int64
    /// "IWM bull put spread 20260417 190/185 x1".
    public var title: String
    /// When the position opened.
    public var openedAt: Date?
    /// When it closed.
    public var closedAt: Date?
    /// Realized dollars after commissions.
    public var pnl: Double
    /// The exit rule that closed it (`ExitReason`'s stored value).
    public var exitReason: String

    /// A closed trade.
    public init(id: Int64, title: String, openedAt: Date?, closedAt: Date?, pnl: Double, exitReason: String) {
        self.id = id
        self.title = title
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.pnl = pnl
        self.exitReason = exitReason
    }
}

/// A held position with its mark and what would close it.
public struct OpenPosition: Sendable, Equatable {
    /// One leg: "SELL P 560 20261218".
    public struct Leg: Sendable, Equatable {
        /// `BUY` or `SELL`.
        public var action: String
        /// `C` or `P`.
        public var right: String
        /// The strike.
        public var strike: Double
        /// YYYYMMDD.
        public var expiry: String
        /// Distance of a short strike from spot as a fraction of spot (positive: out of the money).
        public var distanceFromSpot: Double?

        /// A leg.
        public init(action: String, right: String, strike: Double, expiry: String, distanceFromSpot: Double?) {
            self.action = action
            self.right = right
            self.strike = strike
            self.expiry = expiry
            self.distanceFromSpot = distanceFromSpot
        }
    }

    /// The position's id.
    public var id: Int64
    /// "IWM bull put spread 20260417 190/185 x1".
    public var title: String
    /// The stored status (`open`, `closing`, `assigned`).
    public var status: String
    /// The legs, as stored.
    public var legs: [Leg]
    /// Net credit per share received when opening.
    public var entryCredit: Double?
    /// Debit per share to close at mid now.
    public var mark: Double?
    /// Unrealized dollars at the mark, before commissions.
    public var pnl: Double?
    /// Calendar days from the page's market day to expiry.
    public var daysToExpiry: Int
    /// The underlying's price the mark was taken at.
    public var spot: Double?
    /// The exit rule nearest to triggering.
    public var nearestExit: ExitProximity?

    /// A held position.
    public init(
        id: Int64, title: String, status: String, legs: [Leg], entryCredit: Double?, mark: Double?, pnl: Double?,
        daysToExpiry: Int, spot: Double?, nearestExit: ExitProximity?
    ) {
        self.id = id
        self.title = title
        self.status = status
        self.legs = legs
        self.entryCredit = entryCredit
        self.mark = mark
        self.pnl = pnl
        self.daysToExpiry = daysToExpiry
        self.spot = spot
        self.nearestExit = nearestExit
    }
}

/// One symbol's market picture over time and now.
public struct SymbolPanel: Sendable, Equatable {
    /// A point of the smile or the term structure.
    public struct Point: Sendable, Equatable {
        /// Strike, or days to expiry.
        public var x: Double
        /// Implied volatility (fraction).
        public var y: Double
        /// What the x value is, in words (an expiry, a strike).
        public var label: String

        /// A point.
        public init(x: Double, y: Double, label: String) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// The underlying.
    public var symbol: String
    /// Underlying snapshots over time, oldest first (sampled).
    public var history: [UnderlyingSnapshot] = []
    /// The latest stored snapshot.
    public var latest: UnderlyingSnapshot?
    /// The expiry the smile is drawn for.
    public var smileExpiry: String?
    /// IV by strike.
    public var smileCalls: [Point] = []
    /// IV by strike of the puts.
    public var smilePuts: [Point] = []
    /// ATM IV by days to expiry.
    public var term: [Point] = []
    /// The underlying's price the mark was taken at.
    public var spot: Double?
    /// The latest decision in words.
    public var decision: String?
    /// When the decision was journaled.
    public var decisionTime: Date?
    /// The journal kind of the decision (`no_trade`, `position_opened`, ...).
    public var decisionKind: String?

    /// A symbol's panel with nothing in it yet.
    public init(symbol: String) { self.symbol = symbol }
}

/// One collection cycle on the timeline.
public struct CycleSummary: Sendable, Equatable {
    /// The cycle's id.
    public var id: Int64
    /// When the cycle started.
    public var startedAt: Date
    /// `running`, `ok`, `partial` or `failed`.
    public var status: String
    /// Seconds from start to finish; nil while running.
    public var seconds: Double?
    /// "SPY ib, QQQ polygon".
    public var sources: String
    /// Option rows written.
    public var rows: Int
    /// What failed, in words.
    public var errors: [String]

    /// A cycle.
    public init(
        id: Int64, startedAt: Date, status: String, seconds: Double?, sources: String, rows: Int, errors: [String]
    ) {
        self.id = id
        self.startedAt = startedAt
        self.status = status
        self.seconds = seconds
        self.sources = sources
        self.rows = rows
        self.errors = errors
    }
}

/// How old a symbol's data is.
public struct Freshness: Sendable, Equatable {
    /// The underlying.
    public var symbol: String
    /// The cycle that stored the latest snapshot.
    public var lastCycle: Int64?
    /// The latest snapshot's time.
    public var lastAt: Date?
    /// Seconds between that time and the page's.
    public var ageSeconds: Double?
    /// Older than three collection intervals during a regular session, or never collected.
    public var stale: Bool

    /// A symbol's freshness.
    public init(symbol: String, lastCycle: Int64?, lastAt: Date?, ageSeconds: Double?, stale: Bool) {
        self.symbol = symbol
        self.lastCycle = lastCycle
        self.lastAt = lastAt
        self.ageSeconds = ageSeconds
        self.stale = stale
    }
}

/// The running service's connection and data sources.
public struct LiveState: Sendable, Equatable {
    /// "connected to 127.0.0.1:4002 (server version 178)" or why not.
    public var gateway: String
    /// Whether the handshake is done and the connection up.
    public var connected: Bool
    /// Provider -> closed / open / half_open, with the last error.
    public var breakers: [(name: String, state: String, lastError: String?)]
    /// Farm -> OK.
    public var farms: [(name: String, ok: Bool)]
    /// The latest IB codes seen on the connection, newest first.
    public var ibCodes: [IBCodeLog.Entry]
    /// Whether the kill switch is on.
    public var killSwitch: Bool

    /// A live state.
    public init(
        gateway: String, connected: Bool, breakers: [(name: String, state: String, lastError: String?)],
        farms: [(name: String, ok: Bool)], ibCodes: [IBCodeLog.Entry], killSwitch: Bool
    ) {
        self.gateway = gateway
        self.connected = connected
        self.breakers = breakers
        self.farms = farms
        self.ibCodes = ibCodes
        self.killSwitch = killSwitch
    }

    /// Equal when every shown value is (tuples are not Equatable).
    public static func == (a: LiveState, b: LiveState) -> Bool {
        a.gateway == b.gateway && a.connected == b.connected && a.killSwitch == b.killSwitch
            && a.breakers.map { "\($0)" } == b.breakers.map { "\($0)" }
            && a.farms.map { "\($0)" } == b.farms.map { "\($0)" }
            && a.ibCodes == b.ibCodes
    }
}
