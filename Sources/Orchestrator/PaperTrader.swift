import Foundation
import Logging
import MarketData
import OptionsModel
import SnapshotStore
import Trading

/// How the trader trades (from the `strategy:`, `risk:` and `execution:` configuration).
public struct TraderSettings: Sendable {
    public var strategy = StrategyRules()
    public var exits = ExitRules()
    public var limits = RiskLimits()
    public var pricing = PricingPolicy()
    /// Entries halt while this file exists.
    public var killSwitchFile: String?
    /// With the kill switch on, close every open position too.
    public var flattenOnKill = false
    public var startingCash = 100_000.0

    public init() {}
}

/// What one trading pass did.
public struct TraderCycleReport: Sendable, Codable, Equatable {
    public var opened: [Int64] = []
    public var closed: [Int64] = []
    /// Per symbol: why no position was opened.
    public var noTrade: [String: String] = [:]
    public var errors: [String] = []
}

/// What reconciliation found on start.
public struct ReconcileReport: Sendable, Codable, Equatable {
    public var ordersChecked = 0
    public var ordersRecovered = 0
    public var ordersCancelled = 0
    public var fillsRecovered = 0
    public var mismatches: [String] = []
}

/// The paper-trading loop: after each collection cycle it manages open positions (mark, exits) and
/// then looks for entries (signal, risk, order), journaling every decision. Orders are written to the
/// store before they are sent and carry an orderRef, so a restart asks the venue instead of resending.
public actor PaperTrader {
    let store: SQLiteStore
    let venue: any ExecutionVenue
    let settings: TraderSettings
    let logger: Logger
    let calendar = MarketCalendar()
    /// Latest mark per open position id.
    var marks: [Int64: PositionMark] = [:]

    public init(store: SQLiteStore, venue: any ExecutionVenue, settings: TraderSettings, logger: Logger) {
        self.store = store
        self.venue = venue
        self.settings = settings
        self.logger = logger
    }

    public var killSwitchOn: Bool {
        settings.killSwitchFile.map { FileManager.default.fileExists(atPath: $0) } ?? false
    }

    // MARK: Cycle

    /// One pass over the latest market pictures at market time `now`.
    @discardableResult
    public func onCycle(pictures: [MarketPicture], now: Date) async -> TraderCycleReport {
        var report = TraderCycleReport()
        let bySymbol = Dictionary(pictures.map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
        let kill = killSwitchOn
        do {
            for position in try store.positions(status: [.open]) {
                await manage(position, picture: bySymbol[position.symbol], kill: kill, now: now, report: &report)
            }
        } catch {
            report.errors.append("positions: \(error)")
        }
        for picture in pictures.sorted(by: { $0.symbol < $1.symbol }) {
            await consider(picture, kill: kill, now: now, report: &report)
        }
        return report
    }

    func manage(
        _ position: PositionRecord, picture: MarketPicture?, kill: Bool, now: Date, report: inout TraderCycleReport
    ) async {
        guard let id = position.id else { return }
        let today = calendar.tradingDay(of: now)
        let mark = picture.flatMap { PositionManagement.mark(position, chain: $0.chain) }
        if let mark { marks[id] = mark }
        // Held past the expiry close: settle against the underlying, no order.
        let expired =
            today > position.expiry
            || (today == position.expiry && calendar.minuteOfDay(now) >= (calendar.closeMinute(on: today) ?? 960))
        if expired {
            guard let underlying = picture?.price ?? marks[id]?.underlying else {
                journal(
                    now, "settle_pending", position.symbol, "position \(id) expired; waiting for an underlying price")
                return
            }
            var p = position
            let debit = PositionManagement.settlementDebit(position, underlying: underlying)
            close(&p, debit: debit, commission: 0, reason: .settled, now: now)
            report.closed.append(id)
            return
        }
        let reason =
            kill && settings.flattenOnKill
            ? .killSwitch : PositionManagement.exitReason(position, mark: mark, today: today, rules: settings.exits)
        guard let reason else { return }
        guard let mark else {
            let missing =
                picture.map { PositionManagement.unquotedLegs(position, chain: $0.chain) } ?? ["no chain this cycle"]
            journal(
                now, "exit_pending", position.symbol,
                "position \(id): \(reason.rawValue) but no quotes to close at (\(missing.joined(separator: ", ")))")
            return
        }
        if await exit(position, mark: mark, reason: reason, now: now) { report.closed.append(id) }
    }

    func consider(_ picture: MarketPicture, kill: Bool, now: Date, report: inout TraderCycleReport) async {
        let symbol = picture.symbol
        if kill {
            report.noTrade[symbol] = "kill switch is on"
            journal(now, "no_trade", symbol, "kill switch is on (\(settings.killSwitchFile ?? ""))")
            return
        }
        switch EntrySignal.evaluate(picture, rules: settings.strategy, now: now) {
        case .noTrade(let reason):
            report.noTrade[symbol] = reason
            journal(now, "no_trade", symbol, reason)
        case .trade(let candidate):
            do {
                if let refusal = RiskCheck.refusal(
                    for: candidate, book: try book(now: now), limits: settings.limits, now: now)
                {
                    report.noTrade[symbol] = "risk: \(refusal)"
                    journal(now, "risk_refused", symbol, "\(candidate.structure.rawValue): \(refusal)")
                    return
                }
                if let id = try await open(candidate, now: now) { report.opened.append(id) }
            } catch {
                report.errors.append("\(symbol): \(error)")
                journal(now, "error", symbol, "entry failed: \(error)")
            }
        }
    }

    /// The book as the risk checks see it.
    func book(now: Date) throws -> BookState {
        let today = calendar.tradingDay(of: now)
        let all = try store.positions(status: nil)
        let live = all.filter { $0.status != .closed }
        let openedToday = all.filter { p in
            p.openedAt.map { calendar.tradingDay(of: $0) == today } ?? false
        }.count
        let realizedToday = all.filter { p in
            p.status == .closed && p.closedAt.map { calendar.tradingDay(of: $0) == today } ?? false
        }.reduce(0) { $0 + ($1.realizedPnL ?? 0) }
        let unrealized = live.reduce(0.0) { total, p in
            guard let id = p.id, let mark = marks[id], let credit = p.entryCredit else { return total }
            return total + mark.unrealized(credit: credit, quantity: p.quantity)
        }
        return BookState(
            open: live.map { ($0.symbol, $0.maxLoss ?? 0) }, openedToday: openedToday,
            dayPnL: realizedToday + unrealized, killSwitch: killSwitchOn)
    }

    // MARK: Orders

    /// Opens a candidate: position and order are stored first, then the order goes to the venue.
    func open(_ candidate: TradeCandidate, now: Date) async throws -> Int64? {
        let legs = candidate.legs.map { leg in
            LegRecord(
                action: leg.action.rawValue, contract: leg.option.contract, ratio: 1, entryPrice: leg.option.quote.mid)
        }
        var position = PositionRecord(
            symbol: candidate.symbol, structure: candidate.structure.rawValue, status: .opening,
            quantity: candidate.quantity, expiry: candidate.expiry, legs: legs, maxLoss: candidate.maxLoss)
        let id = try store.insertPosition(position)
        position.id = id
        let ref = Self.orderRef(position: id, purpose: "open", now: now)
        position.openOrderRef = ref
        try store.updatePosition(position)
        let ticket = OrderTicket(
            orderRef: ref, symbol: candidate.symbol, purpose: "open", legs: legs, quantity: candidate.quantity,
            mid: -candidate.credit, natural: -candidate.naturalCredit)
        let result = try await send(ticket, positionID: id, now: now)
        guard result.status == "filled", let net = result.netPrice else {
            position.status = .closed
            position.closedAt = now
            position.realizedPnL = 0
            let why = result.message.flatMap { $0 == result.status ? nil : ": \($0)" } ?? ""
            position.exitReason = "open order \(result.status)\(why)"
            try store.updatePosition(position)
            return nil
        }
        position.status = .open
        position.openedAt = now
        position.entryCredit = -net
        position.maxLoss = (candidate.width - -net) * 100 * Double(candidate.quantity)
        try store.updatePosition(position)
        logger.info(
            "position opened",
            metadata: [
                "position.id": "\(id)", "position.symbol": "\(candidate.symbol)",
                "position.structure": "\(candidate.structure.rawValue)", "order.ref": "\(ref)",
                "position.credit": "\(-net)",
            ])
        journal(
            now, "position_opened", candidate.symbol,
            String(
                format: "position %lld %@ %@ x%d credit %.2f max loss %.2f (%@)", id, candidate.structure.rawValue,
                candidate.expiry.yyyymmdd, candidate.quantity, -net, position.maxLoss ?? 0, ref))
        return id
    }

    /// Closes a position at market through the venue; false when the close did not fill.
    func exit(_ position: PositionRecord, mark: PositionMark, reason: ExitReason, now: Date) async -> Bool {
        guard let id = position.id else { return false }
        var p = position
        let ref = Self.orderRef(position: id, purpose: "close", now: now)
        p.status = .closing
        p.closeOrderRef = ref
        do {
            try store.updatePosition(p)
            let legs = position.legs.map { leg in
                LegRecord(
                    action: leg.action == "SELL" ? "BUY" : "SELL", contract: leg.contract, ratio: leg.ratio,
                    entryPrice: nil)
            }
            journal(
                now, "exit_signal", p.symbol,
                String(
                    format: "position %lld: %@ (close at %.2f, natural %.2f)", id, reason.rawValue, mark.debit,
                    mark.naturalDebit))
            let ticket = OrderTicket(
                orderRef: ref, symbol: p.symbol, purpose: "close", legs: legs, quantity: p.quantity, mid: mark.debit,
                natural: mark.naturalDebit)
            let result = try await send(ticket, positionID: id, now: now)
            guard result.status == "filled", let net = result.netPrice else {
                p.status = .open
                p.closeOrderRef = nil
                try store.updatePosition(p)
                return false
            }
            close(&p, debit: net, commission: nil, reason: reason, now: now)
            return true
        } catch {
            journal(now, "error", p.symbol, "closing position \(id) failed: \(error)")
            p.status = .open
            try? store.updatePosition(p)
            return false
        }
    }

    /// Marks a position closed at `debit` and records its realized P&L net of all its commissions.
    func close(_ p: inout PositionRecord, debit: Double, commission: Double?, reason: ExitReason, now: Date) {
        let refs = [p.openOrderRef, p.closeOrderRef].compactMap { $0 }
        let commissions = refs.reduce(0.0) { total, ref in
            total + ((try? store.fills(orderRef: ref)) ?? []).reduce(0) { $0 + ($1.commission ?? 0) }
        }
        p.status = .closed
        p.closedAt = now
        p.exitDebit = debit
        p.exitReason = reason.rawValue
        p.realizedPnL = ((p.entryCredit ?? 0) - debit) * 100 * Double(p.quantity) - commissions - (commission ?? 0)
        if let id = p.id { marks[id] = nil }
        do { try store.updatePosition(p) } catch {
            logger.error("position update failed", metadata: ["error": "\(error)"])
        }
        logger.info(
            "position closed",
            metadata: [
                "position.id": "\(p.id ?? 0)", "position.symbol": "\(p.symbol)", "exit.reason": "\(reason.rawValue)",
                "exit.debit": "\(debit)", "position.pnl": "\(p.realizedPnL ?? 0)",
            ])
        journal(
            now, "position_closed", p.symbol,
            String(
                format: "position %lld closed: %@ at %.2f, P&L %.2f", p.id ?? 0, reason.rawValue, debit,
                p.realizedPnL ?? 0))
    }

    /// Journals the order, sends it, and records what the venue did.
    func send(_ ticket: OrderTicket, positionID: Int64, now: Date) async throws -> VenueResult {
        var order = OrderRecord(
            orderRef: ticket.orderRef, positionID: positionID, purpose: ticket.purpose, status: "submitted",
            limitPrice: settings.pricing.limit(for: ticket, attempt: 0), quantity: ticket.quantity, legs: ticket.legs,
            venue: venue.name, createdAt: now, updatedAt: now)
        try store.upsertOrder(order)
        journal(
            now, "order_submitted", ticket.symbol,
            String(
                format: "%@ %@ limit %.2f (mid %.2f, natural %.2f)", ticket.purpose, ticket.orderRef,
                order.limitPrice ?? 0, ticket.mid, ticket.natural))
        let result: VenueResult
        do {
            result = try await venue.execute(ticket, pricing: settings.pricing)
        } catch {
            order.status = "rejected"
            try store.upsertOrder(order)
            journal(now, "order_refused", ticket.symbol, "\(ticket.orderRef): \(error)")
            logger.error("order refused", metadata: ["order.ref": "\(ticket.orderRef)", "error": "\(error)"])
            return VenueResult(status: "rejected", message: "\(error)")
        }
        for fill in result.fills { try store.insertFill(fill) }
        order.status = result.status
        order.ibOrderId = result.venueOrderId
        order.account = result.account
        order.repriceCount = result.repriceCount
        order.limitPrice = result.lastLimit ?? order.limitPrice
        order.updatedAt = now
        try store.upsertOrder(order)
        journal(
            now, "order_\(result.status)", ticket.symbol,
            "\(ticket.orderRef)\(result.netPrice.map { String(format: " at %.2f", $0) } ?? "") after \(result.repriceCount) re-prices\(result.message.map { ": \($0)" } ?? "")"
        )
        logger.info(
            "order \(result.status)",
            metadata: [
                "order.ref": "\(ticket.orderRef)", "order.venue_id": "\(result.venueOrderId.map(String.init) ?? "-")",
                "position.id": "\(positionID)",
            ])
        return result
    }

    /// `pt-<position>-<open|close>-<unix seconds>`: unique per intent, stable once stored.
    static func orderRef(position: Int64, purpose: String, now: Date) -> String {
        "pt-\(position)-\(purpose)-\(Int(now.timeIntervalSince1970))"
    }

    // MARK: Reconciliation

    /// On start: settles orders the journal left in flight by asking the venue (never resending),
    /// recovers executions the journal missed, and reports positions that differ from the account.
    public func reconcile(now: Date) async -> ReconcileReport {
        var report = ReconcileReport()
        do {
            let inFlight = try store.orders(limit: 10_000).filter { $0.status == "submitted" || $0.status == "working" }
            for var order in inFlight {
                report.ordersChecked += 1
                let state = try await venue.lookup(orderRef: order.orderRef)
                switch state {
                case .filled(let fills):
                    for f in fills where try store.insertFill(f) { report.fillsRecovered += 1 }
                    order.status = "filled"
                    report.ordersRecovered += 1
                    try applyRecoveredFill(order, fills: fills, now: now)
                case .working:
                    try await venue.cancel(orderRef: order.orderRef)
                    order.status = "cancelled"
                    report.ordersCancelled += 1
                    try revert(order, now: now, why: "was still working at restart; cancelled")
                case .unknown, .cancelled:
                    order.status = "cancelled"
                    report.ordersCancelled += 1
                    try revert(order, now: now, why: state == .unknown ? "never reached the venue" : "was cancelled")
                }
                order.updatedAt = now
                try store.upsertOrder(order)
            }
            if let account = try await venue.accountState() {
                for f in account.executions where f.orderRef?.hasPrefix("pt-") == true {
                    if try store.insertFill(f) {
                        report.fillsRecovered += 1
                        journal(now, "reconcile", f.symbol, "recovered execution \(f.execId) of \(f.orderRef ?? "")")
                    }
                }
                var expected: [String: Double] = [:]
                for p in try store.positions(status: [.open, .closing]) {
                    for leg in p.legs {
                        expected[leg.contract.occSymbol, default: 0] +=
                            (leg.action == "SELL" ? -1 : 1) * Double(leg.ratio * p.quantity)
                    }
                }
                for key in Set(expected.keys).union(account.positions.keys).sorted() {
                    let mine = expected[key] ?? 0
                    let theirs = account.positions[key] ?? 0
                    if abs(mine - theirs) > 1e-9 {
                        report.mismatches.append("\(key): journal \(mine), account \(theirs)")
                    }
                }
            }
        } catch {
            report.mismatches.append("reconciliation incomplete: \(error)")
        }
        let summary =
            "checked \(report.ordersChecked) in-flight orders: \(report.ordersRecovered) filled, \(report.ordersCancelled) cancelled; \(report.fillsRecovered) fills recovered; \(report.mismatches.count) position differences"
        journal(now, "reconcile", nil, summary)
        for m in report.mismatches { journal(now, "reconcile_mismatch", nil, m) }
        logger.info("reconciled", metadata: ["reconcile.summary": "\(summary)"])
        return report
    }

    func applyRecoveredFill(_ order: OrderRecord, fills: [FillRecord], now: Date) throws {
        guard let id = order.positionID,
            var p = try store.positions(status: nil).first(where: { $0.id == id })
        else { return }
        let net = IBPaperVenue.netPrice(fills, quantity: order.quantity)
        if order.purpose == "open" {
            p.status = .open
            p.openedAt = p.openedAt ?? now
            p.entryCredit = -net
            try store.updatePosition(p)
            journal(now, "reconcile", p.symbol, "position \(id) opened while we were away (\(order.orderRef))")
        } else {
            close(
                &p, debit: net, commission: nil, reason: ExitReason(rawValue: p.exitReason ?? "") ?? .dteExit, now: now)
        }
    }

    func revert(_ order: OrderRecord, now: Date, why: String) throws {
        guard let id = order.positionID,
            var p = try store.positions(status: nil).first(where: { $0.id == id })
        else { return }
        if order.purpose == "open" && p.status == .opening {
            p.status = .closed
            p.closedAt = now
            p.realizedPnL = 0
            p.exitReason = "open order \(why)"
        } else if order.purpose == "close" && p.status == .closing {
            p.status = .open
            p.closeOrderRef = nil
        }
        try store.updatePosition(p)
        journal(now, "reconcile", p.symbol, "order \(order.orderRef) \(why)")
    }

    /// On stop: optionally cancels orders still working (by orderRef), and journals the stop.
    public func shutdown(cancelWorkingOrders: Bool, now: Date) async {
        var cancelled = 0
        if cancelWorkingOrders, let inFlight = try? store.orders(limit: 1_000) {
            for order in inFlight where order.status == "submitted" || order.status == "working" {
                if (try? await venue.cancel(orderRef: order.orderRef)) != nil { cancelled += 1 }
            }
        }
        journal(
            now, "shutdown", nil,
            "trader stopped\(cancelWorkingOrders ? "; \(cancelled) working orders cancelled" : "")")
    }

    // MARK: Reporting

    /// The portfolio with the latest marks.
    public func summary() throws -> PortfolioSummary {
        PortfolioSummary.summarize(
            positions: try store.positions(status: nil), marks: marks.mapValues(\.debit), fills: try store.fills(),
            startingCash: settings.startingCash)
    }

    func journal(_ time: Date, _ kind: String, _ symbol: String?, _ message: String) {
        do {
            try store.append(JournalEvent(time: time, kind: kind, symbol: symbol, message: message))
        } catch {
            logger.error("journal write failed", metadata: ["error": "\(error)"])
        }
    }
}
