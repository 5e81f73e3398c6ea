import Foundation
import GRDB
import OptionsModel

/// Positions, orders and fills of the paper trader: what it holds, what it asked for and what the
/// venue did, kept so a restart can reconcile instead of trading twice.
public protocol TradingStore: Sendable {
    /// Inserts a position and returns its id.
    func insertPosition(_ position: PositionRecord) throws -> Int64
    /// Rewrites a stored position (matched by id).
    func updatePosition(_ position: PositionRecord) throws
    /// Positions in the given states (all when nil), oldest first.
    func positions(status: Set<PositionStatus>?) throws -> [PositionRecord]
    /// Inserts or replaces an order, matched by its orderRef.
    func upsertOrder(_ order: OrderRecord) throws
    /// The order with this orderRef.
    func order(ref: String) throws -> OrderRecord?
    /// Recent orders, newest first.
    func orders(limit: Int) throws -> [OrderRecord]
    /// Every order of one position, oldest first.
    func orders(positionID: Int64) throws -> [OrderRecord]
    /// Records a fill; false when its execId was already recorded (venues repeat executions).
    @discardableResult func insertFill(_ fill: FillRecord) throws -> Bool
    /// Fills of one order (all when nil), oldest first.
    func fills(orderRef: String?) throws -> [FillRecord]
}

extension SQLiteStore: TradingStore {
    public func insertPosition(_ p: PositionRecord) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO positions (symbol, structure, status, opened_at, closed_at, quantity, expiry, legs,
                        entry_credit, exit_debit, max_loss, realized_pnl, exit_reason, open_order_ref, close_order_ref,
                        note)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: Self.positionArguments(p))
            return db.lastInsertedRowID
        }
    }

    public func updatePosition(_ p: PositionRecord) throws {
        guard let id = p.id else { throw StoreError("updatePosition: the position has no id") }
        try pool.write { db in
            var arguments = Self.positionArguments(p)
            arguments += [id]
            try db.execute(
                sql: """
                    UPDATE positions SET symbol = ?, structure = ?, status = ?, opened_at = ?, closed_at = ?,
                        quantity = ?, expiry = ?, legs = ?, entry_credit = ?, exit_debit = ?, max_loss = ?,
                        realized_pnl = ?, exit_reason = ?, open_order_ref = ?, close_order_ref = ?, note = ?
                    WHERE id = ?
                    """, arguments: arguments)
            if db.changesCount == 0 { throw StoreError("updatePosition: no position \(id)") }
        }
    }

    public func positions(status wanted: Set<PositionStatus>? = nil) throws -> [PositionRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM positions ORDER BY id").compactMap { row -> PositionRecord? in
                guard let status = PositionStatus(rawValue: row["status"]),
                    let expiry = Expiry(row["expiry"] as String),
                    let structure = StructureKind(rawValue: row["structure"]),
                    wanted?.contains(status) ?? true
                else { return nil }
                return PositionRecord(
                    id: row["id"], symbol: row["symbol"], structure: structure, status: status,
                    openedAt: ISOTime.date(row["opened_at"]), closedAt: ISOTime.date(row["closed_at"]),
                    quantity: row["quantity"], expiry: expiry, legs: Self.legs(row["legs"]),
                    entryCredit: row["entry_credit"], exitDebit: row["exit_debit"], maxLoss: row["max_loss"],
                    realizedPnL: row["realized_pnl"],
                    exitReason: (row["exit_reason"] as String?).flatMap(ExitReason.init(rawValue:)),
                    note: row["note"], openOrderRef: row["open_order_ref"], closeOrderRef: row["close_order_ref"])
            }
        }
    }

    public func upsertOrder(_ o: OrderRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO orders (order_ref, ib_order_id, position_id, purpose, status, limit_price, quantity, legs,
                        account, venue, created_at, updated_at, reprice_count, filled_quantity)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (order_ref) DO UPDATE SET ib_order_id = excluded.ib_order_id,
                        position_id = excluded.position_id, status = excluded.status,
                        limit_price = excluded.limit_price, quantity = excluded.quantity, legs = excluded.legs,
                        account = excluded.account, venue = excluded.venue, updated_at = excluded.updated_at,
                        reprice_count = excluded.reprice_count, filled_quantity = excluded.filled_quantity
                    """,
                arguments: [
                    o.orderRef, o.ibOrderId, o.positionID, o.purpose.rawValue, o.status.rawValue, o.limitPrice,
                    o.quantity, JSONText.encode(o.legs), o.account, o.venue.rawValue, ISOTime.string(o.createdAt),
                    ISOTime.string(o.updatedAt), o.repriceCount, o.filledQuantity,
                ])
        }
    }

    public func order(ref: String) throws -> OrderRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE order_ref = ?", arguments: [ref]).map(Self.order)
        }
    }

    public func orders(limit: Int) throws -> [OrderRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM orders ORDER BY id DESC LIMIT ?", arguments: [limit]).map(
                Self.order)
        }
    }

    public func orders(positionID: Int64) throws -> [OrderRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM orders WHERE position_id = ? ORDER BY id", arguments: [positionID])
                .map(Self.order)
        }
    }

    @discardableResult public func insertFill(_ f: FillRecord) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO fills (exec_id, order_ref, ib_order_id, time, symbol, leg, side, quantity,
                        price, commission, realized_pnl)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    f.execId, f.orderRef, f.ibOrderId, ISOTime.string(f.time), f.symbol, f.leg, f.side.rawValue,
                    f.quantity,
                    f.price, f.commission, f.realizedPnL,
                ])
            return db.changesCount > 0
        }
    }

    public func fills(orderRef: String? = nil) throws -> [FillRecord] {
        try pool.read { db in
            let rows =
                orderRef == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM fills ORDER BY time, exec_id")
                : try Row.fetchAll(
                    db, sql: "SELECT * FROM fills WHERE order_ref = ? ORDER BY time, exec_id", arguments: [orderRef])
            return rows.map { row in
                FillRecord(
                    execId: row["exec_id"], orderRef: row["order_ref"], ibOrderId: row["ib_order_id"],
                    time: ISOTime.date(row["time"]) ?? .distantPast, symbol: row["symbol"], leg: row["leg"],
                    side: FillSide(rawValue: row["side"]) ?? .bought, quantity: row["quantity"], price: row["price"],
                    commission: row["commission"],
                    realizedPnL: row["realized_pnl"])
            }
        }
    }

    static func positionArguments(_ p: PositionRecord) -> StatementArguments {
        [
            p.symbol, p.structure.rawValue, p.status.rawValue, p.openedAt.map(ISOTime.string),
            p.closedAt.map(ISOTime.string), p.quantity, p.expiry.yyyymmdd, JSONText.encode(p.legs), p.entryCredit,
            p.exitDebit, p.maxLoss, p.realizedPnL, p.exitReason?.rawValue, p.openOrderRef, p.closeOrderRef, p.note,
        ]
    }

    static func legs(_ text: String?) -> [LegRecord] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([LegRecord].self, from: Data(text.utf8))) ?? []
    }

    static func order(_ row: Row) -> OrderRecord {
        OrderRecord(
            orderRef: row["order_ref"], ibOrderId: row["ib_order_id"], positionID: row["position_id"],
            purpose: OrderPurpose(rawValue: row["purpose"]) ?? .open, status: OrderStatus(stored: row["status"]),
            limitPrice: row["limit_price"], quantity: row["quantity"], filledQuantity: row["filled_quantity"],
            legs: legs(row["legs"]), account: row["account"], venue: VenueKind(rawValue: row["venue"]) ?? .ibPaper,
            createdAt: ISOTime.date(row["created_at"]) ?? .distantPast,
            updatedAt: ISOTime.date(row["updated_at"]) ?? .distantPast, repriceCount: row["reprice_count"])
    }
}
