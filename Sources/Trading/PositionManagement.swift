import Foundation
import OptionsModel
import SnapshotStore

/// Exit thresholds (mapped from the `strategy:` section of the configuration; these are the defaults).
public struct ExitRules: Sendable, Equatable {
    /// Close when this fraction of the credit is captured.
    public var takeProfitPct = 0.50
    /// Close when buying the spread back costs this multiple of the credit received (2.0: the spread's
    /// value has doubled, a loss equal to the credit). Measured on the spread's value so that it can
    /// trigger before max loss: with a credit c on width w it fires at a debit of m x c, reachable
    /// whenever m x c < w (config check requires m x min_credit_fraction < 1).
    public var stopLossMultiple = 2.0
    /// Close when this many calendar days or fewer are left.
    public var exitDTE = 21
    /// Close when a short leg's |delta| reaches this.
    public var shortDeltaExit = 0.50
    /// Never hold into the last this-many days (expiry handling when the DTE exit is disabled).
    public var closeBeforeExpiryDays = 1
    /// Close on the last trading day before an ex-dividend date when a short call in the money holds
    /// less time value than the dividend (early assignment risk).
    public var closeBeforeExDividend = true
    /// On expiration day, close when spot is within this many expected moves (the ATM straddle of the
    /// expiry) of a short strike; 0 turns it off.
    public var pinRiskExpectedMoves = 0.5
    /// Minutes after midnight New York in which profit-taking and DTE exits may fire (risk exits fire
    /// whenever there is a quote); nil = always. The default matches the entry window, so exits do not
    /// trade the opening quotes.
    public var window: ClosedRange<Int>? = (9 * 60 + 45)...(15 * 60 + 45)

    /// The defaults.
    public init() {}

    /// Whether `reason` may fire at `minute` (minutes after midnight New York).
    public func allows(_ reason: ExitReason, minute: Int) -> Bool {
        reason.isRiskExit || (window?.contains(minute) ?? true)
    }
}

/// What it costs to close a position now.
public struct PositionMark: Sendable, Equatable {
    /// Net debit per share to close at mid (negative would mean closing pays).
    public var debit: Double
    /// Net debit per share at the natural price (buy at ask, sell at bid).
    public var naturalDebit: Double
    /// The largest |delta| among the short legs.
    public var shortDelta: Double?
    public var underlying: Double?

    public init(debit: Double, naturalDebit: Double, shortDelta: Double?, underlying: Double?) {
        self.debit = debit
        self.naturalDebit = naturalDebit
        self.shortDelta = shortDelta
        self.underlying = underlying
    }

    /// Unrealized P&L in dollars before commissions for a position opened at `credit`.
    public func unrealized(credit: Double, quantity: Int) -> Double { (credit - debit) * 100 * Double(quantity) }
}

/// Marks positions against a chain and decides exits.
public enum PositionManagement {
    /// The mark from the latest chain; nil when a leg is missing from it or a short leg has no ask
    /// (a long leg without a bid is worth nothing to sell).
    public static func mark(_ position: PositionRecord, chain: ChainSnapshot) -> PositionMark? {
        let rows = Dictionary(chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        var debit = 0.0
        var natural = 0.0
        var shortDelta: Double?
        for leg in position.legs {
            guard let row = rows[leg.contract.key] else { return nil }
            let ratio = Double(leg.ratio)
            let bid = row.quote.bid ?? 0
            // Closing reverses each leg: buy back the shorts, sell the longs.
            if leg.action == .sell {
                guard let ask = row.quote.ask else { return nil }
                debit += (row.quote.mid ?? (bid + ask) / 2) * ratio
                natural += ask * ratio
                if let d = row.greeks.delta { shortDelta = max(shortDelta ?? 0, abs(d)) }
            } else {
                debit -= (row.quote.mid ?? bid) * ratio
                natural -= bid * ratio
            }
        }
        return PositionMark(
            debit: debit, naturalDebit: natural, shortDelta: shortDelta,
            underlying: chain.underlyingPrice ?? chain.options.first?.underlyingPrice)
    }

    /// Legs of the position the chain has no usable quote for (why a mark is missing).
    public static func unquotedLegs(_ position: PositionRecord, chain: ChainSnapshot) -> [String] {
        let rows = Dictionary(chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        return position.legs.compactMap { leg in
            guard let row = rows[leg.contract.key] else { return "\(leg.contract) not in the chain" }
            return leg.action == .sell && row.quote.ask == nil ? "\(leg.contract) has no ask" : nil
        }
    }

    /// The first exit rule the position meets, or nil to hold.
    public static func exitReason(
        _ position: PositionRecord, mark: PositionMark?, today: TradingDay, rules: ExitRules
    ) -> ExitReason? {
        exitReasons(position, mark: mark, today: today, rules: rules).first
    }

    /// Every exit rule the position meets, in the order they are checked.
    public static func exitReasons(
        _ position: PositionRecord, mark: PositionMark?, today: TradingDay, rules: ExitRules
    ) -> [ExitReason] {
        var out: [ExitReason] = []
        let daysLeft = position.expiry.days(since: today)
        if let mark, let credit = position.entryCredit, credit > 0 {
            if credit - mark.debit >= rules.takeProfitPct * credit { out.append(.takeProfit) }
            if mark.debit >= rules.stopLossMultiple * credit { out.append(.stopLoss) }
        }
        if let underlying = mark?.underlying, isBreached(position, underlying: underlying) {
            out.append(.shortStrikeBreached)
        }
        if let delta = mark?.shortDelta, delta >= rules.shortDeltaExit { out.append(.shortDelta) }
        if daysLeft <= rules.exitDTE { out.append(.dteExit) }
        if daysLeft <= rules.closeBeforeExpiryDays { out.append(.expiry) }
        return out
    }

    /// Early assignment risk: on the last trading day before `dividend`'s ex-date, the short call in
    /// the money whose time value (mid less intrinsic value) is below the dividend — its holder gains
    /// by exercising tonight to collect the dividend. Words naming the leg, or nil when none is at risk.
    public static func exDividendRisk(
        _ position: PositionRecord, chain: ChainSnapshot, underlying: Double?, dividend: Dividend?, today: TradingDay,
        calendar: MarketCalendar
    ) -> String? {
        guard let dividend, let underlying, dividend.exDate > today,
            calendar.nextTradingDay(after: today) >= dividend.exDate
        else { return nil }
        let rows = Dictionary(chain.options.map { ($0.contract.key, $0) }, uniquingKeysWith: { a, _ in a })
        for leg in position.legs where leg.action == .sell && leg.contract.right == .call {
            // Expiring before the ex-date, the call cannot be exercised for this dividend.
            guard leg.contract.expiry >= dividend.exDate else { continue }
            let intrinsic = intrinsic(leg.contract, underlying: underlying)
            guard intrinsic > 0, let mid = rows[leg.contract.key]?.quote.mid else { continue }
            let timeValue = max(0, mid - intrinsic)
            if timeValue < dividend.amount {
                return String(
                    format:
                        "short %@ call in the money by %.2f holds %.2f of time value, below the %.2f dividend going ex on %@",
                    PositionRecord.strike(leg.contract.strike), intrinsic, timeValue, dividend.amount,
                    dividend.exDate.yyyymmdd)
            }
        }
        return nil
    }

    /// Pin risk: on expiration day, spot within `expectedMoves` x the expiry's ATM straddle (what the
    /// market expects the rest of the day to move) of a short strike. Words naming the strike, or nil.
    public static func pinRisk(
        _ position: PositionRecord, chain: ChainSnapshot, underlying: Double?, today: TradingDay, expectedMoves: Double
    ) -> String? {
        guard expectedMoves > 0, today == position.expiry, let spot = underlying else { return nil }
        let rows = chain.options.filter { $0.contract.expiry == position.expiry }
        guard
            let atm = rows.min(by: { abs($0.contract.strike - spot) < abs($1.contract.strike - spot) })?.contract.strike
        else { return nil }
        let straddle = rows.filter { $0.contract.strike == atm }.compactMap(\.quote.mid)
        guard straddle.count == 2 else { return nil }
        let move = straddle.reduce(0, +)
        for leg in position.legs where leg.action == .sell {
            let distance = abs(spot - leg.contract.strike)
            if distance <= expectedMoves * move {
                return String(
                    format:
                        "expiration day: spot %.2f is %.2f from the short %@ strike, within %.2f x the %.2f expected move",
                    spot, distance, PositionRecord.strike(leg.contract.strike), expectedMoves, move)
            }
        }
        return nil
    }

    /// Whether the underlying trades through a short strike (below a short put, above a short call).
    public static func isBreached(_ position: PositionRecord, underlying: Double) -> Bool {
        position.legs.contains { leg in
            guard leg.action == .sell else { return false }
            return leg.contract.right == .put ? underlying < leg.contract.strike : underlying > leg.contract.strike
        }
    }

    /// Intrinsic value per share of a contract at `underlying`.
    public static func intrinsic(_ contract: OptionContract, underlying: Double) -> Double {
        contract.right == .put ? max(0, contract.strike - underlying) : max(0, underlying - contract.strike)
    }

    /// Debit per share to settle an expired position against the underlying (intrinsic values).
    public static func settlementDebit(_ position: PositionRecord, underlying: Double) -> Double {
        position.legs.reduce(0) { total, leg in
            total - leg.action.sign * intrinsic(leg.contract, underlying: underlying) * Double(leg.ratio)
        }
    }

    // MARK: Expiry delivery

    /// Index options settle in cash; options on shares and ETFs (SPY, QQQ, IWM) deliver shares.
    public static let cashSettledSymbols: Set<String> = [
        "SPX", "SPXW", "XSP", "NDX", "NDXP", "RUT", "MRUT", "VIX", "OEX", "XEO", "DJX",
    ]

    /// The smallest amount in the money that OCC exercises automatically (exercise by exception).
    public static let exerciseThreshold = 0.01

    /// Shares each leg delivers at expiry at the closing price `underlying`: a leg at least a cent in
    /// the money is exercised (held long) or assigned (sold short) at its strike, 100 shares per
    /// contract; the rest expire worthless. Bought shares are positive. Empty for cash-settled symbols.
    public static func deliveries(_ position: PositionRecord, underlying: Double) -> [(leg: LegRecord, shares: Double)]
    {
        guard !cashSettledSymbols.contains(position.symbol) else { return [] }
        return position.legs.compactMap { leg in
            guard intrinsic(leg.contract, underlying: underlying) >= exerciseThreshold - 1e-9 else { return nil }
            let contracts = Double(leg.ratio * position.quantity) * 100
            // A call delivers shares to its holder, a put takes them: a short put assigned buys.
            let sign = leg.contract.right == .call ? leg.action.sign : -leg.action.sign
            return (leg, sign * contracts)
        }
    }

    /// Effective debit per share of one unit for a position holding shares from an assignment: what
    /// the shares cost against what they are worth at `price` (the same number a cash settlement at
    /// `price` would have charged), so marks and exits of options and shares read alike.
    public static func shareDebit(stockCash: Double, shares: Double, price: Double, quantity: Int) -> Double {
        -(stockCash + shares * price) / (100 * Double(max(1, quantity)))
    }
}
