import Foundation
import Logging
import OptionsModel
import SnapshotStore

extension TradingEngine {
    // MARK: In-flight orders

    /// Settles every order the journal says may be live by asking the venue about its orderRef (never
    /// resending): filled (all or part) is booked, working is cancelled (its fills so far booked),
    /// unknown or cancelled is undone. Executions count only when their orderRef and contract match
    /// the order's legs.
    func resolveInFlight(now: Date, report: inout TraderCycleReport) async {
        var summary = ReconcileReport()
        await resolveInFlight(now: now, into: &summary)
        report.errors += summary.mismatches
    }

    /// Resolves the journal's in-flight orders; returns the orderRefs it looked at.
    @discardableResult
    func resolveInFlight(now: Date, into report: inout ReconcileReport) async -> Set<String> {
        let inFlight: [OrderRecord]
        do {
            inFlight = try journal.orders(limit: 10_000).filter(\.status.mayBeLive)
        } catch {
            report.mismatches.append("in-flight orders unreadable: \(error)")
            return []
        }
        for var order in inFlight.reversed() {
            report.ordersChecked += 1
            do {
                let state = try await venue.lookup(orderRef: order.orderRef)
                let known = try journal.fills(orderRef: order.orderRef)
                var fills = known
                var why: String
                switch state {
                case .filled(let executions):
                    fills += executions
                    why = "filled while we were away"
                case .working(_, let executions):
                    try await venue.cancel(orderRef: order.orderRef)
                    report.ordersCancelled += 1
                    fills += executions
                    why = "was still working; cancelled"
                case .cancelled:
                    why = "was cancelled"
                case .unknown:
                    why = known.isEmpty ? "never reached the venue" : "filled (journal)"
                }
                let mine = Self.attributable(fills, to: order)
                for f in mine where try journal.insertFill(f) { report.fillsRecovered += 1 }
                let booked = try journal.fills(orderRef: order.orderRef)
                // An order without option legs sold or bought back an assignment's shares.
                let (units, net) =
                    order.legs.isEmpty
                    ? VenueResult.shares(of: booked) : VenueResult.units(of: booked, legs: order.legs)
                order.filledQuantity = units
                order.status = units == 0 ? .cancelled : units >= order.quantity ? .filled : .partiallyFilled
                if units > 0 {
                    report.ordersRecovered += 1
                } else if case .unknown = state {
                    report.ordersCancelled += 1
                }
                if units > 0 && units < order.quantity { why += "; \(units) of \(order.quantity) units filled" }
                order.updatedAt = now
                try journal.upsertOrder(order)
                try applyResolved(
                    order,
                    result: VenueResult(
                        status: order.status, filledQuantity: units, netPrice: net, fills: [],
                        message: why), now: now)
                journal(now, .reconcile, nil, "order \(order.orderRef) \(why)")
            } catch {
                report.mismatches.append("\(order.orderRef): \(error)")
            }
        }
        return Set(inFlight.map(\.orderRef))
    }

    /// Positions left `opening` or `closing` although their order is no longer live (a booking lost
    /// to a database held by another program): booked from the order and its journaled fills.
    func resolveStranded(now: Date, into report: inout ReconcileReport) {
        do {
            for p in try journal.positions(status: [.opening, .closing]) {
                guard let id = p.id else { continue }
                let ref = p.status == .opening ? p.openOrderRef : p.closeOrderRef
                let order = try ref.flatMap { try journal.order(ref: $0) }
                if let order, order.status.mayBeLive { continue }
                let fills = try ref.map { try journal.fills(orderRef: $0) } ?? []
                let legs =
                    order?.legs
                    ?? (p.status == .opening
                        ? p.legs
                        : p.legs.map {
                            LegRecord(action: $0.action.reversed, contract: $0.contract, ratio: $0.ratio)
                        })
                let (units, net) = VenueResult.units(of: fills, legs: legs)
                let quantity = order?.quantity ?? p.quantity
                let result = VenueResult(
                    status: units == 0 ? .cancelled : units >= quantity ? .filled : .partiallyFilled,
                    filledQuantity: units, netPrice: net,
                    message: order == nil ? "its order was never journaled" : "booked from the journal")
                var position = p
                if p.status == .opening {
                    try applyOpen(&position, result: result, width: Self.width(of: p), now: now)
                } else {
                    try applyClose(&position, result: result, now: now)
                }
                report.ordersRecovered += units > 0 ? 1 : 0
                journal(
                    now, .reconcile, p.symbol, "position \(id) was left \(p.status.rawValue); \(result.message ?? "")")
            }
        } catch {
            report.mismatches.append("stranded positions unreadable: \(error)")
        }
    }

    /// Executions that belong to `order`: its orderRef, one of its legs' contracts, and the side
    /// that leg trades (another client's or another intent's fills never book here).
    static func attributable(_ fills: [FillRecord], to order: OrderRecord) -> [FillRecord] {
        let legs = Dictionary(
            order.legs.map { ($0.contract.occSymbol, FillSide($0.action)) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        return fills.filter { f in
            // A share order (no option legs) owns stock executions of its orderRef only.
            let matches = order.legs.isEmpty ? f.isStock : legs[f.leg] == f.side
            return f.orderRef == order.orderRef && matches && seen.insert(f.execId).inserted
        }
    }

    func applyResolved(_ order: OrderRecord, result: VenueResult, now: Date) throws {
        guard let id = order.positionID,
            var p = try journal.positions(status: nil).first(where: { $0.id == id })
        else { return }
        switch order.purpose {
        case .open where p.status == .opening:
            try applyOpen(&p, result: result, width: Self.width(of: p), now: now)
        case .close where p.status == .closing:
            try applyClose(&p, result: result, now: now)
        case .close where p.status == .assigned:
            try applyShareClose(&p, result: result, now: now)
        default:
            break
        }
    }

    /// The widest strike distance of a position's verticals.
    static func width(of p: PositionRecord) -> Double {
        let spans = BookPosition.spans(p.legs.map { ($0.contract.right, $0.contract.strike) })
        return spans.values.map { $0.upperBound - $0.lowerBound }.max() ?? 0
    }

    // MARK: Start-up

    /// On start: settles orders the journal left in flight (never resending), cancels orders of ours
    /// working at the account that the journal does not know as live, recovers executions the
    /// journal missed, takes the book's starting cash from the account once, and reports positions
    /// that differ from the account.
    public func reconcile(now: Date) async -> ReconcileReport {
        var report = ReconcileReport()
        let resolved = await resolveInFlight(now: now, into: &report)
        resolveStranded(now: now, into: &report)
        do {
            if let account = try await venue.accountState() {
                if let nlv = account.netLiquidation {
                    try recordStartingCash(nlv, source: "the account's net liquidation", now: now)
                }
                for ref in account.workingOrderRefs where ref.hasPrefix(OrderRef.prefix) && !resolved.contains(ref) {
                    let known = try journal.order(ref: ref)
                    guard known.map({ !$0.status.mayBeLive }) ?? true else { continue }
                    try await venue.cancel(orderRef: ref)
                    report.orphansCancelled += 1
                    journal(
                        now, .reconcile, nil,
                        "order \(ref) was working at the account but \(known.map { "journaled \($0.status.rawValue)" } ?? "not in the journal"); cancelled"
                    )
                }
                for f in account.executions where f.orderRef?.hasPrefix(OrderRef.prefix) == true {
                    guard let ref = f.orderRef, let order = try journal.order(ref: ref),
                        !Self.attributable([f], to: order).isEmpty
                    else { continue }
                    if try journal.insertFill(f) {
                        report.fillsRecovered += 1
                        journal(now, .reconcile, f.symbol, "recovered execution \(f.execId) of \(ref)")
                    }
                }
                var expected: [String: Double] = [:]
                for p in try journal.positions(status: [.open, .closing]) {
                    for leg in p.legs {
                        expected[leg.contract.occSymbol, default: 0] += leg.action.sign * Double(leg.ratio * p.quantity)
                    }
                }
                // Shares an assignment left are reconciled like options.
                for p in try journal.positions(status: [.assigned]) {
                    let shares = try shareHolding(p).shares
                    if abs(shares) > 1e-9 { expected[p.symbol, default: 0] += shares }
                }
                for key in Set(expected.keys).union(account.positions.keys).sorted() {
                    let mine = expected[key] ?? 0
                    let theirs = account.positions[key] ?? 0
                    if abs(mine - theirs) > 1e-9 {
                        report.mismatches.append("\(key): journal \(mine), account \(theirs)")
                    }
                }
            } else {
                try recordStartingCash(settings.startingCash, source: "the configuration", now: now)
            }
        } catch {
            report.mismatches.append("reconciliation incomplete: \(error)")
        }
        let summary =
            "checked \(report.ordersChecked) in-flight orders: \(report.ordersRecovered) filled, \(report.ordersCancelled) cancelled; \(report.orphansCancelled) orphaned orders cancelled; \(report.fillsRecovered) fills recovered; \(report.mismatches.count) position differences"
        journal(now, .reconcile, nil, summary)
        for m in report.mismatches { journal(now, .reconcileMismatch, nil, m) }
        logger.info("reconciled", metadata: ["reconcile.summary": "\(summary)"])
        return report
    }

    /// On stop: optionally cancels orders still working (by orderRef), and journals the stop.
    public func shutdown(cancelWorkingOrders: Bool, now: Date) async {
        var cancelled = 0
        var failures: [String] = []
        if cancelWorkingOrders {
            do {
                for order in try journal.orders(limit: 1_000) where order.status.mayBeLive {
                    do {
                        try await venue.cancel(orderRef: order.orderRef)
                        cancelled += 1
                    } catch {
                        failures.append("\(order.orderRef): \(error)")
                    }
                }
            } catch {
                failures.append("orders unreadable: \(error)")
            }
        }
        journal(
            now, .shutdown, nil,
            "trader stopped\(cancelWorkingOrders ? "; \(cancelled) working orders cancelled" : "")\(failures.isEmpty ? "" : "; not cancelled: \(failures.joined(separator: "; "))")"
        )
    }
}
