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
    /// Records a fill; false when its execId was already recorded (venues repeat executions).
    @discardableResult func insertFill(_ fill: FillRecord) throws -> Bool
    /// Fills of one order (all when nil), oldest first.
    func fills(orderRef: String?) throws -> [FillRecord]
}

/// Where a position is in its life.
public enum PositionStatus: String, Sendable, Codable, CaseIterable {
    /// Its opening order is out; nothing is held yet.
    case opening
    case open
    /// Its closing order is out.
    case closing
    case closed
}

/// One leg of a position or order: buy or sell `ratio` of a contract per unit.
public struct LegRecord: Sendable, Equatable, Codable {
    /// BUY or SELL.
    public var action: String
    public var contract: OptionContract
    public var ratio: Int
    /// Price per share this leg was opened at (mid when the venue does not report legs).
    public var entryPrice: Double?

    public init(action: String, contract: OptionContract, ratio: Int = 1, entryPrice: Double? = nil) {
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
    public var structure: String
    public var status: PositionStatus
    public var openedAt: Date?
    public var closedAt: Date?
    public var quantity: Int
    public var expiry: Expiry
    public var legs: [LegRecord]
    /// Net credit per share received when opening.
    public var entryCredit: Double?
    /// Net debit per share paid when closing (0 when settled worthless).
    public var exitDebit: Double?
    /// Most the position can lose, in dollars.
    public var maxLoss: Double?
    /// Dollars, after commissions, once closed.
    public var realizedPnL: Double?
    public var exitReason: String?
    public var openOrderRef: String?
    public var closeOrderRef: String?

    public init(
        id: Int64? = nil, symbol: String, structure: String, status: PositionStatus, openedAt: Date? = nil,
        closedAt: Date? = nil, quantity: Int, expiry: Expiry, legs: [LegRecord], entryCredit: Double? = nil,
        exitDebit: Double? = nil, maxLoss: Double? = nil, realizedPnL: Double? = nil, exitReason: String? = nil,
        openOrderRef: String? = nil, closeOrderRef: String? = nil
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
        self.openOrderRef = openOrderRef
        self.closeOrderRef = closeOrderRef
    }
}

/// A stored order, one per orderRef however many times it was re-priced.
public struct OrderRecord: Sendable, Equatable, Codable {
    public var orderRef: String
    public var ibOrderId: Int?
    public var positionID: Int64?
    /// open | close.
    public var purpose: String
    /// submitted | working | filled | cancelled | rejected | unknown.
    public var status: String
    /// Net price per share of the whole structure: negative for a credit.
    public var limitPrice: Double?
    public var quantity: Int
    public var legs: [LegRecord]
    public var account: String?
    /// ib_paper | simulated.
    public var venue: String
    public var createdAt: Date
    public var updatedAt: Date
    public var repriceCount: Int

    public init(
        orderRef: String, ibOrderId: Int? = nil, positionID: Int64?, purpose: String, status: String,
        limitPrice: Double?, quantity: Int, legs: [LegRecord], account: String? = nil, venue: String, createdAt: Date,
        updatedAt: Date, repriceCount: Int = 0
    ) {
        self.orderRef = orderRef
        self.ibOrderId = ibOrderId
        self.positionID = positionID
        self.purpose = purpose
        self.status = status
        self.limitPrice = limitPrice
        self.quantity = quantity
        self.legs = legs
        self.account = account
        self.venue = venue
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.repriceCount = repriceCount
    }
}

/// One execution of one leg.
public struct FillRecord: Sendable, Equatable, Codable {
    public var execId: String
    public var orderRef: String?
    public var ibOrderId: Int?
    public var time: Date
    public var symbol: String
    /// The leg's contract in OCC form.
    public var leg: String
    /// BOT or SLD.
    public var side: String
    public var quantity: Double
    public var price: Double
    public var commission: Double?
    public var realizedPnL: Double?

    public init(
        execId: String, orderRef: String?, ibOrderId: Int?, time: Date, symbol: String, leg: String, side: String,
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
}

extension SQLiteStore: TradingStore {
    public func insertPosition(_ p: PositionRecord) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO positions (symbol, structure, status, opened_at, closed_at, quantity, expiry, legs,
                        entry_credit, exit_debit, max_loss, realized_pnl, exit_reason, open_order_ref, close_order_ref)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                        realized_pnl = ?, exit_reason = ?, open_order_ref = ?, close_order_ref = ?
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
                    wanted?.contains(status) ?? true
                else { return nil }
                return PositionRecord(
                    id: row["id"], symbol: row["symbol"], structure: row["structure"], status: status,
                    openedAt: ISOTime.date(row["opened_at"]), closedAt: ISOTime.date(row["closed_at"]),
                    quantity: row["quantity"], expiry: expiry, legs: Self.legs(row["legs"]),
                    entryCredit: row["entry_credit"], exitDebit: row["exit_debit"], maxLoss: row["max_loss"],
                    realizedPnL: row["realized_pnl"], exitReason: row["exit_reason"],
                    openOrderRef: row["open_order_ref"], closeOrderRef: row["close_order_ref"])
            }
        }
    }

    public func upsertOrder(_ o: OrderRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO orders (order_ref, ib_order_id, position_id, purpose, status, limit_price, quantity, legs,
                        account, venue, created_at, updated_at, reprice_count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (order_ref) DO UPDATE SET ib_order_id = excluded.ib_order_id,
                        position_id = excluded.position_id, status = excluded.status,
                        limit_price = excluded.limit_price, quantity = excluded.quantity, legs = excluded.legs,
                        account = excluded.account, venue = excluded.venue, updated_at = excluded.updated_at,
                        reprice_count = excluded.reprice_count
                    """,
                arguments: [
                    o.orderRef, o.ibOrderId, o.positionID, o.purpose, o.status, o.limitPrice, o.quantity,
                    JSONText.encode(o.legs), o.account, o.venue, ISOTime.string(o.createdAt),
                    ISOTime.string(o.updatedAt), o.repriceCount,
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

    @discardableResult public func insertFill(_ f: FillRecord) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO fills (exec_id, order_ref, ib_order_id, time, symbol, leg, side, quantity,
                        price, commission, realized_pnl)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    f.execId, f.orderRef, f.ibOrderId, ISOTime.string(f.time), f.symbol, f.leg, f.side, f.quantity,
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
                    side: row["side"], quantity: row["quantity"], price: row["price"], commission: row["commission"],
                    realizedPnL: row["realized_pnl"])
            }
        }
    }

    static func positionArguments(_ p: PositionRecord) -> StatementArguments {
        [
            p.symbol, p.structure, p.status.rawValue, p.openedAt.map(ISOTime.string), p.closedAt.map(ISOTime.string),
            p.quantity, p.expiry.yyyymmdd, JSONText.encode(p.legs), p.entryCredit, p.exitDebit, p.maxLoss,
            p.realizedPnL, p.exitReason, p.openOrderRef, p.closeOrderRef,
        ]
    }

    static func legs(_ text: String?) -> [LegRecord] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([LegRecord].self, from: Data(text.utf8))) ?? []
    }

    static func order(_ row: Row) -> OrderRecord {
        OrderRecord(
            orderRef: row["order_ref"], ibOrderId: row["ib_order_id"], positionID: row["position_id"],
            purpose: row["purpose"], status: row["status"], limitPrice: row["limit_price"], quantity: row["quantity"],
            legs: legs(row["legs"]), account: row["account"], venue: row["venue"],
            createdAt: ISOTime.date(row["created_at"]) ?? .distantPast,
            updatedAt: ISOTime.date(row["updated_at"]) ?? .distantPast, repriceCount: row["reprice_count"])
    }
}
