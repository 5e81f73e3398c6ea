import Foundation
import OptionsModel
import SnapshotStore

/// An order for a whole structure, priced per share of one unit: negative for a credit.
public struct OrderTicket: Sendable, Equatable {
    /// Our idempotency key: the venue is asked about it before anything is resent.
    public var orderRef: String
    public var symbol: String
    /// open | close.
    public var purpose: String
    /// The legs as traded by this order (a closing ticket reverses the position's legs).
    public var legs: [LegRecord]
    public var quantity: Int
    /// Mid of the structure per share (negative = credit).
    public var mid: Double
    /// Natural price per share (worst side; negative = credit).
    public var natural: Double

    public init(
        orderRef: String, symbol: String, purpose: String, legs: [LegRecord], quantity: Int, mid: Double,
        natural: Double
    ) {
        self.orderRef = orderRef
        self.symbol = symbol
        self.purpose = purpose
        self.legs = legs
        self.quantity = quantity
        self.mid = mid
        self.natural = natural
    }
}

/// How a limit order chases the market (from the `execution:` section of the configuration).
public struct PricingPolicy: Sendable, Equatable {
    /// Added to mid for the first limit (positive pays more / collects less).
    public var limitOffset = 0.0
    /// Simulated seconds before each re-price.
    public var repriceAfterSeconds = 60.0
    public var maxReprices = 3
    /// Dollars per share each re-price moves toward natural.
    public var repriceStep = 0.05
    /// Give up after this long (simulated seconds) and cancel.
    public var cancelUnfilledAfterSeconds = 300.0
    /// Simulated venue: price concession per share.
    public var slippage = 0.02
    public var commissionPerContract = 0.65

    public init() {}

    /// The limit for attempt `n` (0 = first): mid (+offset), then `repriceStep` dollars toward
    /// natural per attempt, never beyond natural.
    public func limit(for ticket: OrderTicket, attempt: Int) -> Double {
        let start = ticket.mid + limitOffset
        let toward = ticket.natural - start
        let step = min(abs(toward), repriceStep * Double(attempt))
        let moved = start + (toward < 0 ? -step : step)
        return (moved * 100).rounded() / 100
    }
}

/// What the venue did with a ticket.
public struct VenueResult: Sendable, Equatable {
    /// filled | cancelled | rejected.
    public var status: String
    /// Net price per share filled at (negative = credit).
    public var netPrice: Double?
    public var fills: [FillRecord]
    public var venueOrderId: Int?
    public var account: String?
    public var repriceCount: Int
    public var lastLimit: Double?
    public var message: String?

    public init(
        status: String, netPrice: Double? = nil, fills: [FillRecord] = [], venueOrderId: Int? = nil,
        account: String? = nil, repriceCount: Int = 0, lastLimit: Double? = nil, message: String? = nil
    ) {
        self.status = status
        self.netPrice = netPrice
        self.fills = fills
        self.venueOrderId = venueOrderId
        self.account = account
        self.repriceCount = repriceCount
        self.lastLimit = lastLimit
        self.message = message
    }

    /// Total commissions of the fills.
    public var commission: Double { fills.reduce(0) { $0 + ($1.commission ?? 0) } }
}

/// What the venue knows about an order we may have sent before a crash.
public enum VenueOrderState: Sendable, Equatable {
    /// The venue has never seen this orderRef.
    case unknown
    /// Still working under this venue order id.
    case working(orderId: Int)
    /// Filled (fully or partly) with these executions.
    case filled([FillRecord])
    /// Done without a fill.
    case cancelled
}

/// The account as the venue sees it, for reconciliation with the journal.
public struct VenueAccountState: Sendable, Equatable {
    /// Net contracts per option (OCC symbol).
    public var positions: [String: Double]
    /// orderRefs of working orders.
    public var workingOrderRefs: [String]
    /// Executions of the session, with their orderRef.
    public var executions: [FillRecord]

    public init(positions: [String: Double], workingOrderRefs: [String], executions: [FillRecord]) {
        self.positions = positions
        self.workingOrderRefs = workingOrderRefs
        self.executions = executions
    }
}

/// Where orders go: the IB paper account (`ib_paper`) or an internal fill model (`simulated`).
public protocol ExecutionVenue: Sendable {
    /// The configuration name of the venue.
    var name: String { get }
    /// Works the ticket to a fill, re-pricing toward natural, or cancels it.
    func execute(_ ticket: OrderTicket, pricing: PricingPolicy) async throws -> VenueResult
    /// What the venue knows of an orderRef (after a restart).
    func lookup(orderRef: String) async throws -> VenueOrderState
    /// Cancels the working order with this orderRef, if any.
    func cancel(orderRef: String) async throws
    /// Positions, working orders and executions, or nil when the venue keeps no account.
    func accountState() async throws -> VenueAccountState?
}

/// Fills every ticket at once at mid minus slippage, charging commission per contract: for
/// Polygon-only operation and dry runs. It keeps no account, so reconciliation relies on the journal.
public struct SimulatedVenue: ExecutionVenue {
    public let name = "simulated"
    let now: @Sendable () async -> Date

    public init(now: @escaping @Sendable () async -> Date) { self.now = now }

    public func execute(_ ticket: OrderTicket, pricing: PricingPolicy) async throws -> VenueResult {
        // Paying more (or collecting less) by the slippage: a debit grows, a credit shrinks.
        let net = ((ticket.mid + pricing.slippage) * 100).rounded() / 100
        let time = await now()
        let perLeg = ticket.legs.map { leg -> Double in
            Double(leg.ratio * ticket.quantity) * pricing.commissionPerContract
        }
        let fills = ticket.legs.enumerated().map { i, leg in
            FillRecord(
                execId: "sim.\(ticket.orderRef).\(i)", orderRef: ticket.orderRef, ibOrderId: nil, time: time,
                symbol: ticket.symbol, leg: leg.contract.occSymbol, side: leg.action == "BUY" ? "BOT" : "SLD",
                quantity: Double(leg.ratio * ticket.quantity), price: leg.entryPrice ?? 0, commission: perLeg[i])
        }
        return VenueResult(status: "filled", netPrice: net, fills: fills, lastLimit: net)
    }

    public func lookup(orderRef: String) async throws -> VenueOrderState { .unknown }
    public func cancel(orderRef: String) async throws {}
    public func accountState() async throws -> VenueAccountState? { nil }
}
