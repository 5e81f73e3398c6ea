import Foundation
import TWSWire

/// One instrument's market state as the gateway would tick it: quote, sizes, day stats, and for
/// options the model computation IB sends in tickOptionComputation. Absent values are nil.
struct SimQuote: Sendable, Equatable {
    var bid: Double?
    var ask: Double?
    var last: Double?
    var bidSize: Double?
    var askSize: Double?
    var lastSize: Double?
    var volume: Double?
    var close: Double?
    var high: Double?
    var low: Double?
    var open: Double?
    /// Option open interest (generic tick 101 -> 27 for calls, 28 for puts).
    var openInterest: Double?
    /// Option volume (generic tick 100 -> 29/30).
    var optionVolume: Double?
    /// Underlying historical volatility (generic 104 -> 23) and implied volatility (106 -> 24).
    var historicalVolatility: Double?
    var impliedVolatility: Double?
    /// Option model values (tickOptionComputation), nil where IB would send a sentinel.
    var model: TWSTickOptionComputation?
    /// True for an option (its computations and OI apply).
    var isOption = false
    /// C or P for options (selects OI tick 27 or 28).
    var right: String = ""
}

/// What the session engine needs from the simulated market, in wire terms.
protocol SimMarketPort: Sendable {
    /// Contract details matching a (possibly partial) contract; empty when unknown (error 200).
    func contractDetails(matching query: TWSContract, at date: Date) -> [TWSContractDetails]
    /// The full contract for a conId.
    func contract(conId: Int) -> TWSContract?
    /// reqSecDefOptParams rows for an underlying (one per exchange), empty when unknown.
    func optionParameters(symbol: String, underlyingConId: Int, at date: Date) -> [TWSSecurityDefinitionOptionParameter]
    /// The quote of a resolved contract at `date`.
    func quote(for contract: TWSContract, at date: Date, delayed: Bool) -> SimQuote?
    /// Daily bars ending at `date`, oldest first.
    func dailyBars(for contract: TWSContract, endingAt date: Date, count: Int) -> [TWSBar]
    /// Whether the regular session is open at `date` (orders fill only then).
    func isRegularSession(_ date: Date) -> Bool
    /// Intraday bars, other `whatToShow`s, and options' own bars (see `MarketPort.bars`).
    func bars(
        for contract: TWSContract, show: MarketPort.Show, barSeconds: Int, days: Int, endingAt end: Date,
        epochDates: Bool
    ) -> [TWSBar]
    /// 13/26/52-week ranges and average volume (generic tick 165).
    func rangeStatistics(for contract: TWSContract, at date: Date) -> SimRangeStatistics?
    /// IB's dividend tick text (generic tick 456), nil for no dividends.
    func dividends(for contract: TWSContract, at date: Date) -> String?
    /// The first instant of a contract's history (reqHeadTimeStamp).
    func firstHistory(for contract: TWSContract, at date: Date) -> Date
    /// calculateImpliedVolatility (optionPrice) / calculateOptionPrice (volatility) for an option.
    func computation(
        for contract: TWSContract, optionPrice: Double?, volatility: Double?, underlying: Double?, at date: Date
    ) -> TWSTickOptionComputation?
    /// reqMatchingSymbols.
    func matchingSymbols(_ pattern: String) -> [SimMessages.SymbolSample]
    /// A 5-second bar (reqRealTimeBars), nil outside the regular session.
    func fiveSecondBar(for contract: TWSContract, start: Double) -> SimMessages.FiveSecondBar?
}

/// Something the paper account tells the gateway to send.
enum SimAccountEvent: Sendable, Equatable {
    case orderStatus(TWSOrderStatus)
    case openOrder(TWSOpenOrder)
    case execution(TWSExecDetails, TWSCommissionAndFeesReport)
    case error(orderId: Int, code: Int, message: String)
    /// Another client's fill moved this position (subscribers get a position update).
    case positionChanged(conId: Int)
}

/// P&L figures of the account or one position (nil where IB sends its unset value).
struct SimPnL: Sendable, Equatable {
    var position: Double = 0
    var daily: Double = 0
    var unrealized: Double = 0
    var realized: Double = 0
    var value: Double?
}

/// Why the account refused a request, in IB's words after "cause - ".
struct SimRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// What the session engine needs from the paper account, in wire terms.
protocol SimAccountPort: Sendable {
    var accounts: [String] { get }
    /// Places (or modifies) an order; returns what to send.
    func place(orderId: Int, clientId: Int, contract: TWSContract, order: TWSOrder, at date: Date) -> [SimAccountEvent]
    /// Previews an order (whatIf): margins and commission in one openOrder; nothing is placed.
    func whatIf(orderId: Int, clientId: Int, contract: TWSContract, order: TWSOrder, at date: Date) -> [SimAccountEvent]
    /// Cancels the order `clientId` placed under `orderId`.
    func cancel(orderId: Int, clientId: Int, at date: Date) -> [SimAccountEvent]
    /// reqGlobalCancel: every client's working orders; returns the caller's events.
    func cancelAll(clientId: Int, at date: Date) -> [SimAccountEvent]
    /// Re-checks every working order against the market, fills what crosses, and returns the events
    /// waiting for `clientId` (its orders' events, the master's copies, position changes).
    func tick(at date: Date, for clientId: Int) -> [SimAccountEvent]
    /// The master API client id, nil for none.
    var masterClientId: Int? { get }
    /// A client connected / left (its events are queued / dropped).
    func connect(clientId: Int)
    func disconnect(clientId: Int)
    /// Marks an order (by id) to stay in PreSubmitted forever (fault injection).
    func stickInPreSubmitted(_ orderId: Int?)
    /// Working orders of a client (nil or the master: every client's).
    func openOrders(clientId: Int?) -> [(TWSOpenOrder, TWSOrderStatus)]
    func completedOrders() -> [TWSCompletedOrder]
    func executions() -> [(TWSExecDetails, TWSCommissionAndFeesReport)]
    func positions() -> [TWSPosition]
    /// Options whose expiry close has passed leave the account (exercised, assigned or expired)
    /// before anything reads it at `date`.
    func settleExpiries(at date: Date)
    /// Every account-summary tag of every account.
    func accountValues(at date: Date) -> [SimAccountValue]
    /// Ledger rows (cash, market values, P&L by currency) for `BASE` and/or `USD`.
    func ledger(at date: Date, currencies: [String]) -> [SimAccountValue]
    /// What reqAccountUpdates streams: account code, summary tags, BASE and USD ledgers.
    func accountUpdateValues(at date: Date) -> [SimAccountValue]
    func portfolio(at date: Date) -> [TWSPortfolioValue]
    /// reqPnL (conId nil) / reqPnLSingle figures: position, daily, unrealized, realized P&L and value.
    func pnl(conId: Int?, at date: Date) -> SimPnL
    /// Exercises (or lets lapse) a held long option: the conIds whose positions changed, or why not.
    func exercise(conId: Int, quantity: Double, lapse: Bool, at date: Date) -> Result<[Int], SimRefusal>
    /// The order id IB would hand out next.
    func nextOrderId() -> Int
}
