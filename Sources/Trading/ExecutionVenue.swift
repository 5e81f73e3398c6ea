import Foundation
import OptionsModel
import SnapshotStore

/// An order for a whole structure, priced per share of one unit: negative for a credit.
public struct OrderTicket: Sendable, Equatable {
    /// Our idempotency key: the venue is asked about it before anything is resent.
    public var orderRef: String
    public var symbol: String
    public var purpose: OrderPurpose
    /// The legs as traded by this order (a closing ticket reverses the position's legs).
    public var legs: [LegRecord]
    /// Mid of each leg per share, in the order of `legs` (what the simulated venue fills against).
    public var legMids: [Double]
    /// Each leg's natural price per share (buying at the ask, selling at the bid), in the order of `legs`.
    public var legNaturals: [Double]
    public var quantity: Int
    /// Mid of the structure per share (negative = credit).
    public var mid: Double
    /// Natural price per share (worst side; negative = credit).
    public var natural: Double
    /// The worst net price re-pricing may reach (an opening credit never below the minimum credit
    /// and the per-trade risk limit); nil = up to natural.
    public var limitBound: Double?

    /// A ticket.
    public init(
        orderRef: String, symbol: String, purpose: OrderPurpose, legs: [LegRecord], legMids: [Double] = [],
        legNaturals: [Double] = [], quantity: Int, mid: Double, natural: Double, limitBound: Double? = nil
    ) {
        self.legNaturals = legNaturals
        self.orderRef = orderRef
        self.symbol = symbol
        self.purpose = purpose
        self.legs = legs
        self.legMids = legMids
        self.quantity = quantity
        self.mid = mid
        self.natural = natural
        self.limitBound = limitBound
    }
}

/// An order for the shares an assignment or exercise left: sell (or buy back) `shares` at the market.
public struct ShareOrder: Sendable, Equatable {
    /// Our idempotency key, like every order's.
    public var orderRef: String
    public var symbol: String
    public var action: LegAction
    public var shares: Int
    /// The underlying's latest price (what the simulated venue fills against).
    public var price: Double

    /// An order.
    public init(orderRef: String, symbol: String, action: LegAction, shares: Int, price: Double) {
        self.orderRef = orderRef
        self.symbol = symbol
        self.action = action
        self.shares = shares
        self.price = price
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
    /// Shares: IBKR Pro's fixed rate per share, with its minimum per order.
    public var commissionPerShare = 0.005
    public var minimumShareCommission = 1.0

    /// The defaults.
    public init() {}

    /// The limit for attempt `n` (0 = first): mid (+offset), then `repriceStep` dollars toward
    /// natural per attempt, never beyond natural nor beyond the ticket's bound.
    public func limit(for ticket: OrderTicket, attempt: Int) -> Double {
        let start = ticket.mid + limitOffset
        var toward = ticket.natural - start
        if let bound = ticket.limitBound {
            // The bound only ever holds the price back on its way to natural.
            toward = toward > 0 ? min(toward, max(0, bound - start)) : max(toward, min(0, bound - start))
        }
        let step = min(abs(toward), repriceStep * Double(attempt))
        let moved = start + (toward < 0 ? -step : step)
        return (moved * 100).rounded() / 100
    }
}

/// What the venue did with a ticket.
public struct VenueResult: Sendable, Equatable {
    /// filled, partiallyFilled (cancelled after part of the quantity), cancelled, rejected, or
    /// sendUnknown (the send was interrupted: resolved later by orderRef).
    public var status: OrderStatus
    /// Units of the structure filled.
    public var filledQuantity: Int
    /// Net price per share of the filled units (negative = credit).
    public var netPrice: Double?
    public var fills: [FillRecord]
    public var venueOrderId: Int?
    public var account: String?
    public var repriceCount: Int
    public var lastLimit: Double?
    public var message: String?

    /// A result.
    public init(
        status: OrderStatus, filledQuantity: Int = 0, netPrice: Double? = nil, fills: [FillRecord] = [],
        venueOrderId: Int? = nil, account: String? = nil, repriceCount: Int = 0, lastLimit: Double? = nil,
        message: String? = nil
    ) {
        self.status = status
        self.filledQuantity = filledQuantity
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

    /// Whole shares filled and their average price, from a share order's executions.
    public static func shares(of fills: [FillRecord]) -> (quantity: Int, netPrice: Double?) {
        let stock = fills.filter(\.isStock)
        let shares = stock.reduce(0) { $0 + $1.quantity }
        guard shares > 0 else { return (0, nil) }
        return (Int(shares.rounded()), stock.reduce(0) { $0 + $1.price * $1.quantity } / shares)
    }

    /// Units filled and their net price per share from leg executions: the smallest leg's filled
    /// contracts over its ratio are the whole units; bought legs cost, sold legs pay.
    public static func units(of fills: [FillRecord], legs: [LegRecord]) -> (quantity: Int, netPrice: Double?) {
        guard !legs.isEmpty, !fills.isEmpty else { return (0, nil) }
        var perLeg: [String: Double] = [:]
        for f in fills { perLeg[f.leg, default: 0] += f.quantity }
        let units =
            legs.map { leg in Int(((perLeg[leg.contract.occSymbol] ?? 0) / Double(leg.ratio)).rounded(.down)) }
            .min() ?? 0
        guard units > 0 else { return (0, nil) }
        let total = fills.reduce(0.0) { $0 + $1.side.sign * $1.price * $1.quantity }
        // Not rounded: the booked price must add up to the fills' cash to the cent.
        return (units, total / Double(units))
    }
}

/// Why a venue could not take an order: known not sent, or sent with an unknown outcome.
public struct VenueError: Error, Sendable, CustomStringConvertible {
    /// Whether the order may have reached the venue.
    public var mayHaveReachedVenue: Bool
    public var message: String

    /// Nothing left us: the order is certainly not at the venue.
    public static func notSent(_ message: String) -> VenueError {
        VenueError(mayHaveReachedVenue: false, message: message)
    }
    /// The send started and its outcome is unknown (the connection closed mid-send, ...).
    public static func outcomeUnknown(_ message: String) -> VenueError {
        VenueError(mayHaveReachedVenue: true, message: message)
    }

    public var description: String { message }
}

/// What the venue knows about an order we may have sent before a crash.
public enum VenueOrderState: Sendable, Equatable {
    /// The venue has never seen this orderRef.
    case unknown
    /// Still working under this venue order id (possibly with some executions).
    case working(orderId: Int, fills: [FillRecord])
    /// Done with these executions (all or part of the quantity).
    case filled([FillRecord])
    /// Done without a fill.
    case cancelled
}

/// The account as the venue sees it, for reconciliation with the journal.
public struct VenueAccountState: Sendable, Equatable {
    /// Net contracts per option (OCC symbol) and shares per stock symbol.
    public var positions: [String: Double]
    /// orderRefs of working orders.
    public var workingOrderRefs: [String]
    /// Executions of the session, with their orderRef.
    public var executions: [FillRecord]
    /// The account's net liquidation value, when the venue reports one.
    public var netLiquidation: Double?

    /// An account picture.
    public init(
        positions: [String: Double], workingOrderRefs: [String], executions: [FillRecord],
        netLiquidation: Double? = nil
    ) {
        self.positions = positions
        self.workingOrderRefs = workingOrderRefs
        self.executions = executions
        self.netLiquidation = netLiquidation
    }
}

/// Where orders go: the IB paper account (`ib_paper`) or an internal fill model (`simulated`).
public protocol ExecutionVenue: Sendable {
    /// Which venue this is.
    var kind: VenueKind { get }
    /// Works the ticket to a fill, re-pricing toward natural, or cancels it. Throws `VenueError`
    /// (other errors are taken as "outcome unknown").
    func execute(_ ticket: OrderTicket, pricing: PricingPolicy, now: Date) async throws -> VenueResult
    /// What the venue knows of an orderRef (after a restart).
    func lookup(orderRef: String) async throws -> VenueOrderState
    /// Sells or buys back shares at the market (what an assignment left); throws `VenueError` like
    /// `execute`.
    func executeShares(_ order: ShareOrder, pricing: PricingPolicy, now: Date) async throws -> VenueResult
    /// Cancels the working order with this orderRef, if any.
    func cancel(orderRef: String) async throws
    /// Positions, working orders and executions, or nil when the venue keeps no account.
    func accountState() async throws -> VenueAccountState?
    /// What the ticket at `limit` would do to margin (IB's what-if order: nothing is placed), or nil
    /// when the venue cannot say (the engine then computes Reg-T itself).
    func marginPreview(_ ticket: OrderTicket, limit: Double) async throws -> MarginPreview?
}

extension ExecutionVenue {
    /// No preview: the engine's own Reg-T figure stands in.
    public func marginPreview(_ ticket: OrderTicket, limit: Double) async throws -> MarginPreview? { nil }
}

/// How the simulated venue prices a fill, leg by leg.
public enum FillModel: Sendable, Equatable, CustomStringConvertible {
    /// Each leg at its mid moved against us by its share of `slippage` (the default; `run` with the
    /// simulated venue).
    case midLessSlippage
    /// Each leg at its mid.
    case mid
    /// Each leg at its natural price: bought at the ask, sold at the bid.
    case natural
    /// Each leg this fraction of the way from its mid to its natural price (0 = mid, 1 = natural).
    case spreadFraction(Double)

    /// Parses `mid`, `slippage`, `natural` or a fraction such as `0.3`.
    public init?(_ text: String) {
        switch text {
        case "mid": self = .mid
        case "slippage", "mid-slippage": self = .midLessSlippage
        case "natural": self = .natural
        default:
            guard let f = Double(text), (0...1).contains(f) else { return nil }
            self = .spreadFraction(f)
        }
    }

    public var description: String {
        switch self {
        case .midLessSlippage: "mid less slippage"
        case .mid: "mid"
        case .natural: "natural"
        case .spreadFraction(let f): String(format: "%.2f of the way from mid to natural", f)
        }
    }
}

/// Fills every ticket at once by its fill model, charging commission per contract: for Polygon-only
/// operation, dry runs and replay. The legs add up to the net price. It keeps no account, so
/// reconciliation relies on the journal.
public struct SimulatedVenue: ExecutionVenue {
    public let kind = VenueKind.simulated
    public let fillModel: FillModel

    /// A simulated venue filling by `fillModel`.
    public init(fillModel: FillModel = .midLessSlippage) { self.fillModel = fillModel }

    public func execute(_ ticket: OrderTicket, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        let n = Double(max(1, ticket.legs.count))
        let fills = ticket.legs.enumerated().map { i, leg in
            let mid = i < ticket.legMids.count ? ticket.legMids[i] : 0
            let natural = i < ticket.legNaturals.count ? ticket.legNaturals[i] : mid
            let price: Double
            switch fillModel {
            // Buying pays more and selling receives less: the net moves against us by `slippage`.
            case .midLessSlippage: price = mid + leg.action.sign * pricing.slippage / n
            case .mid: price = mid
            case .natural: price = natural
            case .spreadFraction(let f): price = mid + f * (natural - mid)
            }
            return FillRecord(
                execId: "sim.\(ticket.orderRef).\(i)", orderRef: ticket.orderRef, ibOrderId: nil, time: now,
                symbol: ticket.symbol, leg: leg.contract.occSymbol, side: FillSide(leg.action),
                quantity: Double(leg.ratio * ticket.quantity), price: max(0, price),
                commission: Double(leg.ratio * ticket.quantity) * pricing.commissionPerContract)
        }
        let (units, net) = VenueResult.units(of: fills, legs: ticket.legs)
        return VenueResult(status: .filled, filledQuantity: units, netPrice: net, fills: fills, lastLimit: net)
    }

    /// Shares fill at once a cent worse than the last price (the simulated spread of a liquid ETF).
    public func executeShares(_ order: ShareOrder, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        let price = max(0.01, order.price + order.action.sign * 0.01)
        let fill = FillRecord.shares(
            execId: "sim.\(order.orderRef)", orderRef: order.orderRef, time: now, order: order, price: price,
            commission: max(pricing.minimumShareCommission, Double(order.shares) * pricing.commissionPerShare))
        return VenueResult(
            status: .filled, filledQuantity: order.shares, netPrice: price, fills: [fill], lastLimit: price)
    }

    public func lookup(orderRef: String) async throws -> VenueOrderState { .unknown }
    public func cancel(orderRef: String) async throws {}
    public func accountState() async throws -> VenueAccountState? { nil }
}

extension FillRecord {
    /// A fill of `order`'s shares at `price`.
    public static func shares(
        execId: String, orderRef: String, ibOrderId: Int? = nil, time: Date, order: ShareOrder, price: Double,
        commission: Double
    ) -> FillRecord {
        FillRecord(
            execId: execId, orderRef: orderRef, ibOrderId: ibOrderId, time: time, symbol: order.symbol,
            leg: order.symbol, side: FillSide(order.action), quantity: Double(order.shares), price: price,
            commission: commission)
    }
}
