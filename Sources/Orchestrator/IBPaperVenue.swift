import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import TWSClient
import Trading

/// The `ib_paper` venue: one combo (BAG) limit order per structure on the paper account, priced at
/// mid, re-priced toward natural after a delay a bounded number of times, cancelled when unfilled.
/// Every order carries our orderRef; TWSClient refuses any order unless all accounts are paper.
public struct IBPaperVenue: ExecutionVenue {
    public let kind = VenueKind.ibPaper
    let client: TWSClient
    /// Simulated seconds per real second, so re-price delays follow the market clock.
    let speed: Double
    let logger: Logger

    /// The venue over a connected client.
    public init(client: TWSClient, speed: Double, logger: Logger) {
        self.client = client
        self.speed = speed
        self.logger = logger
    }

    public func execute(_ ticket: OrderTicket, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        var order: TWSComboOrder
        do {
            order = try await combo(for: ticket, limit: pricing.limit(for: ticket, attempt: 0))
        } catch {
            throw VenueError.notSent("\(error)")
        }
        let handle: TWSOrderHandle
        do {
            handle = try await client.placeOrder(order)
        } catch let error as TWSClientError where error.code == .notPaperAccount {
            throw VenueError.notSent(error.message)
        } catch {
            // The frame may have left before the connection broke: only the account can tell.
            throw VenueError.outcomeUnknown("\(error)")
        }
        let legsByConId = Dictionary(
            ticket.legs.compactMap { leg in leg.contract.conId.map { ($0, leg) } }, uniquingKeysWith: { a, _ in a })
        let collector = OrderEventCollector(ticket: ticket, legs: legsByConId, now: now)
        // Owned here: cancelled by the defer below when this order step ends.
        let listener = Task { await collector.consume(handle.events) }
        defer { listener.cancel() }
        var reprices = 0
        let wait = max(0.05, pricing.repriceAfterSeconds / speed)
        let deadline = ContinuousClock.now + .milliseconds(Int(pricing.cancelUnfilledAfterSeconds / speed * 1000))
        do {
            while true {
                if let done = await collector.outcome(within: .milliseconds(Int(wait * 1000))) {
                    return finish(done, ticket: ticket, orderId: handle.orderId, reprices: reprices, limit: order.limit)
                }
                if reprices >= pricing.maxReprices || ContinuousClock.now >= deadline { break }
                let next = pricing.limit(for: ticket, attempt: reprices + 1)
                // At the floor (minimum credit, risk limit) or at natural: nothing more to concede.
                if next == order.limit { break }
                reprices += 1
                order.limit = next
                logger.info(
                    "order re-priced",
                    metadata: ["order.ref": "\(ticket.orderRef)", "order.limit": "\(order.limit ?? 0)"])
                try await client.modifyOrder(handle.orderId, order)
            }
            try await client.cancelOrder(handle.orderId)
        } catch {
            throw VenueError.outcomeUnknown("order \(ticket.orderRef) is at the account; \(error)")
        }
        // A fill can race the cancel; what arrives next decides.
        let final = await collector.outcome(within: .seconds(5)) ?? .cancelled("unfilled; cancel not confirmed")
        return finish(final, ticket: ticket, orderId: handle.orderId, reprices: reprices, limit: order.limit)
    }

    func finish(
        _ outcome: OrderEventCollector.Outcome, ticket: OrderTicket, orderId: Int, reprices: Int, limit: Double?
    ) -> VenueResult {
        finish(
            outcome, quantity: ticket.quantity, units: { VenueResult.units(of: $0, legs: ticket.legs) },
            orderId: orderId, reprices: reprices, limit: limit)
    }

    /// The venue's result from an order's outcome; `units` counts whole units and their net price.
    func finish(
        _ outcome: OrderEventCollector.Outcome, quantity: Int, units count: ([FillRecord]) -> (Int, Double?),
        orderId: Int, reprices: Int, limit: Double?
    ) -> VenueResult {
        switch outcome {
        case .filled(let fills, let account):
            let (units, net) = count(fills)
            return VenueResult(
                status: units >= quantity ? .filled : units > 0 ? .partiallyFilled : .cancelled,
                filledQuantity: units, netPrice: net, fills: fills, venueOrderId: orderId, account: account,
                repriceCount: reprices, lastLimit: limit)
        case .cancelled(let why):
            return VenueResult(
                status: .cancelled, venueOrderId: orderId, repriceCount: reprices, lastLimit: limit, message: why)
        case .rejected(let why):
            return VenueResult(
                status: .rejected, venueOrderId: orderId, repriceCount: reprices, lastLimit: limit, message: why)
        }
    }

    /// A market order for the shares an assignment left, waited on until filled (a market order in a
    /// liquid ETF fills at once during the session); cancelled if it has not after the cancel delay.
    public func executeShares(_ order: ShareOrder, pricing: PricingPolicy, now: Date) async throws -> VenueResult {
        let stock = TWSStockOrder(
            symbol: order.symbol, buys: order.action == .buy, shares: order.shares, orderRef: order.orderRef)
        let handle: TWSOrderHandle
        do {
            handle = try await client.placeOrder(stock)
        } catch let error as TWSClientError where error.code == .notPaperAccount {
            throw VenueError.notSent(error.message)
        } catch {
            throw VenueError.outcomeUnknown("\(error)")
        }
        let collector = OrderEventCollector(shares: order, now: now)
        // Owned here: cancelled by the defer below when this order step ends.
        let listener = Task { await collector.consume(handle.events) }
        defer { listener.cancel() }
        let count: ([FillRecord]) -> (Int, Double?) = { VenueResult.shares(of: $0) }
        let wait = Duration.milliseconds(Int(max(1, pricing.cancelUnfilledAfterSeconds / speed) * 1000))
        if let done = await collector.outcome(within: wait) {
            return finish(done, quantity: order.shares, units: count, orderId: handle.orderId, reprices: 0, limit: nil)
        }
        do {
            try await client.cancelOrder(handle.orderId)
        } catch {
            throw VenueError.outcomeUnknown("share order \(order.orderRef) is at the account; \(error)")
        }
        let final = await collector.outcome(within: .seconds(5)) ?? .cancelled("unfilled; cancel not confirmed")
        return finish(final, quantity: order.shares, units: count, orderId: handle.orderId, reprices: 0, limit: nil)
    }

    /// IB's what-if preview of the ticket's combo at `limit`: nothing is placed at the account.
    public func marginPreview(_ ticket: OrderTicket, limit: Double) async throws -> MarginPreview? {
        let preview: TWSMarginPreview
        do {
            preview = try await client.whatIf(try await combo(for: ticket, limit: limit))
        } catch let error as TWSClientError {
            throw VenueError.notSent(error.message)
        }
        guard let change = preview.initialMarginChange, let available = preview.availableFundsBefore else {
            throw VenueError.notSent("the what-if answer carried no initial margin or equity with loan")
        }
        return MarginPreview(
            initialMarginChange: change, maintenanceMarginChange: preview.maintenanceMarginChange ?? change,
            availableFunds: available, commission: preview.commission, source: "ib_whatif")
    }

    /// The combo order; legs without a conId (data from Polygon) are resolved through contract details.
    func combo(for ticket: OrderTicket, limit: Double?) async throws -> TWSComboOrder {
        var legs: [TWSComboOrder.Leg] = []
        for leg in ticket.legs {
            var conId = leg.contract.conId ?? 0
            if conId == 0 {
                guard let found = try await client.conId(of: .option(leg.contract)) else {
                    throw TWSClientError(.requestFailed, "no contract id for \(leg.contract)")
                }
                conId = found
            }
            legs.append(TWSComboOrder.Leg(conId: conId, ratio: leg.ratio, buys: leg.action == .buy))
        }
        return TWSComboOrder(
            symbol: ticket.symbol, legs: legs, quantity: ticket.quantity, limit: limit, orderRef: ticket.orderRef)
    }

    public func lookup(orderRef: String) async throws -> VenueOrderState {
        let fills = try await executions().filter { $0.orderRef == orderRef }
        if let open = try await client.listedOpenOrders().first(where: { $0.orderRef == orderRef }) {
            return .working(orderId: open.orderId, fills: fills)
        }
        if !fills.isEmpty { return .filled(fills) }
        if try await client.listedCompletedOrders().contains(where: { $0.orderRef == orderRef }) { return .cancelled }
        return .unknown
    }

    public func cancel(orderRef: String) async throws {
        for open in try await client.listedOpenOrders() where open.orderRef == orderRef {
            try await client.cancelOrder(open.orderId)
        }
    }

    public func accountState() async throws -> VenueAccountState? {
        var positions: [String: Double] = [:]
        for p in try await client.holdings() {
            if let option = p.option {
                positions[option.occSymbol, default: 0] += p.quantity
            } else if p.isStock {
                // Shares from an assignment are part of the book too.
                positions[p.symbol, default: 0] += p.quantity
            }
        }
        let working = try await client.listedOpenOrders().map(\.orderRef).filter { !$0.isEmpty }
        let summary = try await client.accountValues(tags: ["NetLiquidation"])
        let netLiquidation = summary.filter { $0.tag == "NetLiquidation" }.compactMap { Double($0.value) }
            .reduce(0, +)
        return VenueAccountState(
            positions: positions, workingOrderRefs: working, executions: try await executions(),
            netLiquidation: summary.isEmpty ? nil : netLiquidation)
    }

    func executions() async throws -> [FillRecord] {
        try await client.fills().compactMap { f -> FillRecord? in
            guard !f.isCombo, let side = FillSide(f), let time = IBExecutionTime.date(f.time) else { return nil }
            return FillRecord(
                execId: f.execId, orderRef: f.orderRef, ibOrderId: f.orderId, time: time, symbol: f.symbol,
                leg: f.option?.occSymbol ?? f.localSymbol, side: side, quantity: f.quantity, price: f.price,
                commission: f.commission, realizedPnL: f.realizedPnL)
        }
    }
}

/// Gathers one order's events: leg executions joined with their commissions, and the final state.
actor OrderEventCollector {
    enum Outcome: Sendable {
        case filled([FillRecord], account: String?)
        case cancelled(String)
        case rejected(String)
    }

    /// Which of an execution's legs it books and on which side; nil when the execution is not ours.
    typealias Match = @Sendable (TWSFill) -> (leg: String, side: FillSide)?

    let orderRef: String
    let symbol: String
    /// Executions needed at least before a filled status is final (one per leg of a combo).
    let legCount: Int
    let match: Match
    /// Market time of the order step, for executions whose time does not parse.
    let now: Date
    var fills: [String: FillRecord] = [:]
    var filledQuantity = 0.0
    var statusFilled = false
    var account: String?
    var done: Outcome?
    var waiters: [CheckedContinuation<Void, Never>] = []

    init(orderRef: String, symbol: String, legCount: Int, now: Date, match: @escaping Match) {
        self.orderRef = orderRef
        self.symbol = symbol
        self.legCount = legCount
        self.match = match
        self.now = now
    }

    /// A combo's executions: our orderRef, one of its legs' contracts, that leg's side.
    init(ticket: OrderTicket, legs: [Int: LegRecord], now: Date) {
        self.init(orderRef: ticket.orderRef, symbol: ticket.symbol, legCount: ticket.legs.count, now: now) { f in
            let option = f.option ?? legs[f.conId]?.contract
            guard !f.isCombo, f.orderRef == ticket.orderRef, let side = FillSide(f),
                let leg = ticket.legs.first(where: { $0.contract.occSymbol == option?.occSymbol }),
                FillSide(leg.action) == side
            else { return nil }
            return (leg.contract.occSymbol, side)
        }
    }

    /// A share order's executions: our orderRef, the stock, the order's side.
    init(shares order: ShareOrder, now: Date) {
        self.init(orderRef: order.orderRef, symbol: order.symbol, legCount: 1, now: now) { f in
            guard !f.isCombo, f.option == nil, f.orderRef == order.orderRef, let side = FillSide(f),
                side == FillSide(order.action)
            else { return nil }
            return (order.symbol, side)
        }
    }

    func consume(_ events: AsyncStream<TWSOrderEvent>) async {
        for await event in events {
            switch TWSOrderUpdate(event) {
            case .fill(let f):
                // Booked only when it is this order's (another client's or intent's never is).
                guard let (leg, side) = match(f) else { break }
                account = f.account
                fills[f.execId] = FillRecord(
                    execId: f.execId, orderRef: orderRef, ibOrderId: f.orderId,
                    time: IBExecutionTime.date(f.time) ?? now, symbol: symbol, leg: leg, side: side,
                    quantity: f.quantity, price: f.price, commission: fills[f.execId]?.commission)
            case .commission(let execId, let amount, let realizedPnL):
                fills[execId]?.commission = amount
                fills[execId]?.realizedPnL = realizedPnL
            case .status(_, let filled, let cancelled):
                if filled { statusFilled = true }
                if cancelled, done == nil {
                    done = fills.isEmpty ? .cancelled("cancelled") : .filled(Array(fills.values), account: account)
                }
            case .error(let code, let message, true, let cancelled):
                if done == nil {
                    if cancelled && !fills.isEmpty {
                        done = .filled(fills.values.sorted { $0.execId < $1.execId }, account: account)
                    } else {
                        done = cancelled ? .cancelled("\(code): \(message)") : .rejected("\(code): \(message)")
                    }
                }
            default: break
            }
            // Filled once the status says so and every leg's execution and commission are in.
            if done == nil, statusFilled, fills.count >= legCount,
                fills.values.allSatisfy({ $0.commission != nil })
            {
                done = .filled(fills.values.sorted { $0.execId < $1.execId }, account: account)
            }
            if done != nil { wake() }
        }
        if done == nil, statusFilled, !fills.isEmpty {
            done = .filled(fills.values.sorted { $0.execId < $1.execId }, account: account)
        }
        wake()
    }

    func wake() {
        for w in waiters { w.resume() }
        waiters = []
    }

    /// The outcome if it arrives within `timeout`.
    nonisolated func outcome(within timeout: Duration) async -> Outcome? {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.waitForOutcome() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { await self.wake() }
            return first ?? nil
        }
    }

    func waitForOutcome() async -> Outcome? {
        while done == nil && !Task.isCancelled {
            await withCheckedContinuation { waiters.append($0) }
        }
        return done
    }
}

extension FillSide {
    /// The side of an execution; nil when IB's side is neither bought nor sold.
    init?(_ fill: TWSFill) {
        guard let bought = fill.bought else { return nil }
        self = bought ? .bought : .sold
    }
}

/// IB execution times: `yyyyMMdd HH:mm:ss` in New York, or followed by the zone the gateway uses
/// (`20260304 10:31:02 US/Eastern`); a zone that cannot be read makes the time unknown, never a guess.
enum IBExecutionTime {
    static func date(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count >= 2, let day = Expiry(String(parts[0])) else { return nil }
        let t = parts[1].split(separator: ":").compactMap { Int($0) }
        guard t.count == 3 else { return nil }
        guard parts.count > 2 else { return MarketCalendar().date(day, minute: t[0] * 60 + t[1], second: t[2]) }
        guard let zone = TimeZone(identifier: String(parts[2])) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(
            from: DateComponents(year: day.year, month: day.month, day: day.day, hour: t[0], minute: t[1], second: t[2])
        )
    }
}
