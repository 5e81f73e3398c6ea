import Foundation
import OptionsModel

// The trading journal's typed vocabulary. Raw values are what the database stores, so they never
// change once shipped; a value a newer version wrote and this one does not know is read as the
// nearest safe meaning (see each `init(stored:)`).

/// Where a position is in its life.
public enum PositionStatus: String, Sendable, Codable, CaseIterable {
    /// Its opening order is out; nothing is held yet.
    case opening
    case open
    /// Its closing order is out.
    case closing
    case closed
    /// Its opening order ended without a fill: nothing was ever held.
    case unfilled
    /// Expired with a leg in the money: the options became shares (assignment or exercise), which the
    /// next cycle sells or buys back.
    case assigned
}

/// Buy or sell, as a leg of a structure or an order.
public enum LegAction: String, Sendable, Codable, CaseIterable {
    case buy = "BUY"
    case sell = "SELL"

    /// The action that undoes this one (closing a position reverses its legs).
    public var reversed: LegAction { self == .buy ? .sell : .buy }
    /// +1 for a buy, -1 for a sell: the sign of the contracts held and of the cash paid.
    public var sign: Double { self == .buy ? 1 : -1 }
}

/// The side of an execution, as venues report it (IB's BOT / SLD).
public enum FillSide: String, Sendable, Codable, CaseIterable {
    case bought = "BOT"
    case sold = "SLD"

    /// The side a leg's action executes as.
    public init(_ action: LegAction) { self = action == .buy ? .bought : .sold }
    /// +1 bought, -1 sold.
    public var sign: Double { self == .bought ? 1 : -1 }
}

/// The defined-risk structures the trader opens.
public enum StructureKind: String, Sendable, Codable, CaseIterable {
    /// Uptrend: sell a put, buy a lower put.
    case bullPutSpread = "bull_put_spread"
    /// Downtrend: sell a call, buy a higher call.
    case bearCallSpread = "bear_call_spread"
    /// Neutral: a bull put spread and a bear call spread together.
    case ironCondor = "iron_condor"

    /// Words for messages ("bull put spread").
    public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// Why a position was closed.
public enum ExitReason: String, Sendable, Codable, CaseIterable {
    case takeProfit = "take_profit"
    case stopLoss = "stop_loss"
    case dteExit = "dte_exit"
    case shortStrikeBreached = "short_strike_breached"
    case shortDelta = "short_delta"
    case expiry = "close_before_expiry"
    case settled = "settled_at_expiry"
    case killSwitch = "kill_switch"
    /// An operator closed it (CLI or HTTP control).
    case manual
    /// Its options were assigned or exercised at expiry and the resulting shares were closed.
    case assigned = "assigned_shares_closed"
    /// Closed on the last day before an ex-dividend date: a short call in the money held less time
    /// value than the dividend, so its holder would exercise it early tonight.
    case exDividend = "ex_dividend_assignment_risk"
    /// Closed on expiration day with spot within the configured number of expected moves of a short
    /// strike: whether it will be assigned is a coin toss decided after the close.
    case pinRisk = "pin_risk"

    /// Exits that protect the account: they fire whenever a quote allows, even outside the exit window.
    public var isRiskExit: Bool {
        switch self {
        case .stopLoss, .shortStrikeBreached, .shortDelta, .expiry, .settled, .killSwitch, .manual, .assigned,
            .exDividend, .pinRisk:
            true
        case .takeProfit, .dteExit: false
        }
    }
}

/// What an order is for.
public enum OrderPurpose: String, Sendable, Codable, CaseIterable {
    case open
    case close
}

/// Where an order is in its life, as the journal knows it.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    /// Journaled; the send is about to happen or happened without an acknowledgement yet.
    case submitted
    /// Acknowledged by the venue and resting.
    case working
    case filled
    /// Ended (cancelled) after filling part of its quantity: the filled part is held.
    case partiallyFilled = "partially_filled"
    case cancelled
    case rejected
    /// The send was interrupted and nobody knows whether the venue has it: resolved by orderRef at
    /// the next reconcile, never resent.
    case sendUnknown = "send_unknown"

    /// Reads a stored value; anything unknown is treated as possibly live, so reconcile looks at it.
    public init(stored: String) { self = OrderStatus(rawValue: stored) ?? .sendUnknown }

    /// Orders the venue may still hold: reconcile asks about these.
    public var mayBeLive: Bool { self == .submitted || self == .working || self == .sendUnknown }
}

/// Where orders go.
public enum VenueKind: String, Sendable, Codable, CaseIterable {
    /// The IB paper account, over TWS.
    case ibPaper = "ib_paper"
    /// The internal fill model (Polygon-only runs, dry runs, replay).
    case simulated
}

/// A kind of journal event. Extensible: events written by other versions keep their kind.
public struct JournalKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    /// A kind from its stored name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The stored name.
    public var description: String { rawValue }

    /// An entry considered and not taken, with the first gate that stopped it.
    public static let noTrade = JournalKind(rawValue: "no_trade")
    /// An entry the signal wanted and a risk limit refused.
    public static let riskRefused = JournalKind(rawValue: "risk_refused")
    /// A failure inside the trader (store, venue).
    public static let error = JournalKind(rawValue: "error")
    public static let positionOpened = JournalKind(rawValue: "position_opened")
    public static let positionClosed = JournalKind(rawValue: "position_closed")
    /// An exit rule fired; the close order follows.
    public static let exitSignal = JournalKind(rawValue: "exit_signal")
    /// An exit rule fired but there is no quote to close at.
    public static let exitPending = JournalKind(rawValue: "exit_pending")
    /// An exit rule fired outside the exit window; it waits for the window.
    public static let exitDeferred = JournalKind(rawValue: "exit_deferred")
    /// Expired, waiting for the expiry-day close price.
    public static let settlePending = JournalKind(rawValue: "settle_pending")
    /// Expired in the money: options assigned or exercised into shares (which legs, how many shares).
    public static let assignment = JournalKind(rawValue: "assignment")
    public static let orderSubmitted = JournalKind(rawValue: "order_submitted")
    /// The venue refused or the send failed.
    public static let orderRefused = JournalKind(rawValue: "order_refused")
    /// `order_<status>` after the venue answered.
    public static func order(_ status: OrderStatus) -> JournalKind { JournalKind(rawValue: "order_\(status.rawValue)") }
    public static let reconcile = JournalKind(rawValue: "reconcile")
    public static let reconcileMismatch = JournalKind(rawValue: "reconcile_mismatch")
    public static let shutdown = JournalKind(rawValue: "shutdown")
    /// The book's equity at a cycle (data: {"equity": x}); the last one of a day is its close mark.
    public static let equityMark = JournalKind(rawValue: "equity_mark")
    /// Where the book's cash started (data: {"cash": x, "source": ...}).
    public static let startingCash = JournalKind(rawValue: "starting_cash")
    /// An operator action (kill switch, manual close), with its origin.
    public static let control = JournalKind(rawValue: "control")
}

/// One leg of a position or order: buy or sell `ratio` of a contract per unit.
public struct LegRecord: Sendable, Equatable, Codable {
    public var action: LegAction
    public var contract: OptionContract
    public var ratio: Int
    /// Price per share this leg was opened at.
    public var entryPrice: Double?

    /// A leg.
    public init(action: LegAction, contract: OptionContract, ratio: Int = 1, entryPrice: Double? = nil) {
        self.action = action
        self.contract = contract
        self.ratio = ratio
        self.entryPrice = entryPrice
    }
}

/// A stored position.
public struct PositionRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var symbol: String
    public var structure: StructureKind
    public var status: PositionStatus
    public var openedAt: Date?
    public var closedAt: Date?
    /// Units held now (after partial fills and partial closes).
    public var quantity: Int
    public var expiry: Expiry
    public var legs: [LegRecord]
    /// Net credit per share received when opening.
    public var entryCredit: Double?
    /// Net debit per share paid by the (last) close (0 when settled worthless).
    public var exitDebit: Double?
    /// Most the position can lose, in dollars, at the units held.
    public var maxLoss: Double?
    /// Dollars realized so far, after commissions (partial closes add to it; final once closed).
    public var realizedPnL: Double?
    public var exitReason: ExitReason?
    /// Why a position never opened or an exit could not happen, in words.
    public var note: String?
    public var openOrderRef: String?
    public var closeOrderRef: String?

    /// A position.
    public init(
        id: Int64? = nil, symbol: String, structure: StructureKind, status: PositionStatus, openedAt: Date? = nil,
        closedAt: Date? = nil, quantity: Int, expiry: Expiry, legs: [LegRecord], entryCredit: Double? = nil,
        exitDebit: Double? = nil, maxLoss: Double? = nil, realizedPnL: Double? = nil, exitReason: ExitReason? = nil,
        note: String? = nil, openOrderRef: String? = nil, closeOrderRef: String? = nil
    ) {
        self.id = id
        self.symbol = symbol
        self.structure = structure
        self.status = status
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.quantity = quantity
        self.expiry = expiry
        self.legs = legs
        self.entryCredit = entryCredit
        self.exitDebit = exitDebit
        self.maxLoss = maxLoss
        self.realizedPnL = realizedPnL
        self.exitReason = exitReason
        self.note = note
        self.openOrderRef = openOrderRef
        self.closeOrderRef = closeOrderRef
    }

    /// Held or being closed (options, or the shares an assignment left): marked, managed and counted
    /// in the book.
    public var isHeld: Bool { status == .open || status == .closing || status == .assigned }
    /// The short legs' strikes, for messages ("560/555").
    public var strikesText: String {
        legs.map { Self.strike($0.contract.strike) }.joined(separator: "/")
    }

    /// A strike as traders write it (560, 562.5).
    public static func strike(_ k: Double) -> String {
        k == k.rounded() ? String(Int(k)) : String(format: "%.1f", k)
    }

    /// "SPY bull put spread 20261218 560/555 x1".
    public var title: String {
        "\(symbol) \(structure.words) \(expiry.yyyymmdd) \(strikesText) x\(quantity)"
    }
}

/// A stored order, one per orderRef however many times it was re-priced.
public struct OrderRecord: Sendable, Equatable, Codable {
    public var orderRef: String
    public var ibOrderId: Int?
    public var positionID: Int64?
    public var purpose: OrderPurpose
    public var status: OrderStatus
    /// Net price per share of the whole structure: negative for a credit.
    public var limitPrice: Double?
    public var quantity: Int
    /// Units filled so far.
    public var filledQuantity: Int
    public var legs: [LegRecord]
    public var account: String?
    public var venue: VenueKind
    public var createdAt: Date
    public var updatedAt: Date
    public var repriceCount: Int

    /// An order.
    public init(
        orderRef: String, ibOrderId: Int? = nil, positionID: Int64?, purpose: OrderPurpose, status: OrderStatus,
        limitPrice: Double?, quantity: Int, filledQuantity: Int = 0, legs: [LegRecord], account: String? = nil,
        venue: VenueKind, createdAt: Date, updatedAt: Date, repriceCount: Int = 0
    ) {
        self.orderRef = orderRef
        self.ibOrderId = ibOrderId
        self.positionID = positionID
        self.purpose = purpose
        self.status = status
        self.limitPrice = limitPrice
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.legs = legs
        self.account = account
        self.venue = venue
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.repriceCount = repriceCount
    }
}

/// One execution of one leg (or a settlement at expiry, which has no order).
public struct FillRecord: Sendable, Equatable, Codable {
    public var execId: String
    public var orderRef: String?
    public var ibOrderId: Int?
    public var time: Date
    public var symbol: String
    /// The leg's contract in OCC form.
    public var leg: String
    public var side: FillSide
    public var quantity: Double
    public var price: Double
    public var commission: Double?
    public var realizedPnL: Double?

    /// A fill.
    public init(
        execId: String, orderRef: String?, ibOrderId: Int?, time: Date, symbol: String, leg: String, side: FillSide,
        quantity: Double, price: Double, commission: Double?, realizedPnL: Double? = nil
    ) {
        self.execId = execId
        self.orderRef = orderRef
        self.ibOrderId = ibOrderId
        self.time = time
        self.symbol = symbol
        self.leg = leg
        self.side = side
        self.quantity = quantity
        self.price = price
        self.commission = commission
        self.realizedPnL = realizedPnL
    }

    /// Cash this fill moved, in dollars (sold: received; bought: paid, negative), before commission.
    /// An option's quantity is contracts of 100 shares; a stock fill's is shares.
    public func cash() -> Double { -side.sign * price * quantity * (isStock ? 1 : 100) }

    /// A fill of the underlying's shares (from an assignment or exercise, or their close), not of an
    /// option: its leg is the bare symbol rather than an OCC option symbol.
    public var isStock: Bool { leg == symbol }

    /// Shares bought (+) or sold (-) by this fill; 0 for an option fill.
    public var shares: Double { isStock ? side.sign * quantity : 0 }
}
