import Foundation
import OptionsModel
import Synchronization
import TWSWire

/// One account value as IB reports it in accountSummary, updateAccountValue and accountUpdateMulti.
struct SimAccountValue: Sendable, Equatable {
    var account: String
    var tag: String
    var value: String
    /// `USD` for amounts, empty for ratios and counts, `BASE` for the base-currency ledger rows.
    var currency: String
}

/// The numbers every account tag derives from, at one instant.
struct AccountFigures: Sendable, Equatable {
    var cash: Double
    var stockValue: Double
    var optionValue: Double
    var grossPositionValue: Double
    var unrealized: Double
    var realized: Double
    var margin: RegTMargin.Requirement

    /// Cash plus every position at its mark.
    var netLiquidation: Double { cash + stockValue + optionValue }
    /// IB's equity with loan value for securities: cash and stock; US options are not loan value.
    var equityWithLoan: Double { cash + stockValue }
    var availableFunds: Double { equityWithLoan - margin.initial }
    var excessLiquidity: Double { equityWithLoan - margin.maintenance }
}

extension PaperAccount {
    /// The account tags IB's `AccountSummaryTags.AllTags` and ib_async's account summary request.
    static let summaryTags = [
        "AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "AccruedCash", "BuyingPower",
        "EquityWithLoanValue", "PreviousDayEquityWithLoanValue", "GrossPositionValue", "RegTEquity", "RegTMargin",
        "SMA", "InitMarginReq", "MaintMarginReq", "AvailableFunds", "ExcessLiquidity", "Cushion", "FullInitMarginReq",
        "FullMaintMarginReq", "FullAvailableFunds", "FullExcessLiquidity", "LookAheadNextChange",
        "LookAheadInitMarginReq", "LookAheadMaintMarginReq", "LookAheadAvailableFunds", "LookAheadExcessLiquidity",
        "HighestSeverity", "DayTradesRemaining", "DayTradesRemainingT+1", "DayTradesRemainingT+2",
        "DayTradesRemainingT+3", "DayTradesRemainingT+4", "Leverage",
    ]

    /// The ledger keys IB relays per currency for `$LEDGER` and in account updates.
    static let ledgerKeys = [
        "Currency", "CashBalance", "TotalCashBalance", "AccruedCash", "StockMarketValue", "OptionMarketValue",
        "FutureOptionValue", "FuturesPNL", "NetLiquidationByCurrency", "UnrealizedPnL", "RealizedPnL",
        "ExchangeRate", "FundValue", "NetDividend", "MutualFundValue", "MoneyMarketFundValue", "CorporateBondValue",
        "TBondValue", "TBillValue", "WarrantValue", "FxCashBalance", "AccountOrGroup", "RealCurrency",
        "IssuerOptionValue",
    ]

    /// The account's holdings as Reg-T margin sees them at `date`, marked at mid.
    func marginPositions(at date: Date) -> [RegTMargin.Position] {
        let holdings = state.withLock { s in s.holdings.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 } }
        return holdings.map { conId, h in marginPosition(h.contract, conId: conId, quantity: h.quantity, at: date) }
    }

    /// One position of `quantity` in a contract, marked at mid.
    func marginPosition(_ contract: TWSContract, conId: Int, quantity: Double, at date: Date) -> RegTMargin.Position {
        let option = market.option(conId: conId)
        let underlying = market.price(contract.symbol, at: date) ?? 0
        let mark = quote(contract, at: date).map { ($0.bid + $0.ask) / 2 } ?? underlying
        return RegTMargin.Position(
            symbol: contract.symbol, option: option, quantity: quantity,
            multiplier: Double(contract.multiplier) ?? 1, mark: mark, underlying: underlying)
    }

    /// What the account is worth at `date` (optionally with `extra` positions added, for what-if orders).
    func figures(at date: Date, cashChange: Double = 0, extra: [RegTMargin.Position] = []) -> AccountFigures {
        let (cash, realized, holdings) = state.withLock { s in (s.cash, s.realized, Array(s.holdings)) }
        var figures = AccountFigures(
            cash: cash + cashChange, stockValue: 0, optionValue: 0, grossPositionValue: 0, unrealized: 0,
            realized: realized, margin: .zero)
        for (conId, h) in holdings {
            let multiplier = Double(h.contract.multiplier) ?? 1
            let value = mark(h, at: date) * multiplier * h.quantity
            if market.option(conId: conId) != nil { figures.optionValue += value } else { figures.stockValue += value }
            figures.grossPositionValue += abs(value)
            figures.unrealized += value - h.averageCost * h.quantity
        }
        for p in extra {
            let value = p.mark * p.multiplier * p.quantity
            if p.option != nil { figures.optionValue += value } else { figures.stockValue += value }
        }
        figures.margin = RegTMargin.requirement(Self.merged(marginPositions(at: date) + extra))
        return figures
    }

    /// Positions in the same instrument netted (a what-if closing order reduces the holding).
    static func merged(_ positions: [RegTMargin.Position]) -> [RegTMargin.Position] {
        var order: [String] = []
        var byKey: [String: RegTMargin.Position] = [:]
        for p in positions {
            let key = p.option.map { "\($0.symbol)|\($0.expiry.yyyymmdd)|\($0.strike)|\($0.right.code)" } ?? p.symbol
            if var existing = byKey[key] {
                existing.quantity += p.quantity
                byKey[key] = existing
            } else {
                order.append(key)
                byKey[key] = p
            }
        }
        return order.compactMap { byKey[$0] }.filter { abs($0.quantity) > 1e-9 }
    }

    /// Mark of a holding (mid), per share.
    func mark(_ h: Holding, at date: Date) -> Double {
        guard let q = quote(h.contract, at: date) else { return h.averageCost / (Double(h.contract.multiplier) ?? 1) }
        return (q.bid + q.ask) / 2
    }

    /// Every account-summary tag of every account at `date`.
    func accountValues(at date: Date) -> [SimAccountValue] {
        let f = figures(at: date)
        let net = f.netLiquidation
        let money: [String: Double] = [
            "NetLiquidation": net, "TotalCashValue": f.cash, "SettledCash": f.cash, "AccruedCash": 0,
            "BuyingPower": max(0, f.availableFunds * 4), "EquityWithLoanValue": f.equityWithLoan,
            "PreviousDayEquityWithLoanValue": f.equityWithLoan, "GrossPositionValue": f.grossPositionValue,
            "RegTEquity": f.equityWithLoan, "RegTMargin": f.margin.initial,
            "SMA": max(0, f.equityWithLoan - f.margin.initial), "InitMarginReq": f.margin.initial,
            "MaintMarginReq": f.margin.maintenance, "AvailableFunds": f.availableFunds,
            "ExcessLiquidity": f.excessLiquidity, "FullInitMarginReq": f.margin.initial,
            "FullMaintMarginReq": f.margin.maintenance, "FullAvailableFunds": f.availableFunds,
            "FullExcessLiquidity": f.excessLiquidity, "LookAheadInitMarginReq": f.margin.initial,
            "LookAheadMaintMarginReq": f.margin.maintenance, "LookAheadAvailableFunds": f.availableFunds,
            "LookAheadExcessLiquidity": f.excessLiquidity,
        ]
        let plain: [String: String] = [
            "AccountType": "INDIVIDUAL", "Cushion": String(format: "%.6f", net > 0 ? f.excessLiquidity / net : 0),
            "LookAheadNextChange": "0", "HighestSeverity": "0", "DayTradesRemaining": "-1",
            "DayTradesRemainingT+1": "-1", "DayTradesRemainingT+2": "-1", "DayTradesRemainingT+3": "-1",
            "DayTradesRemainingT+4": "-1",
            "Leverage": String(format: "%.2f", net > 0 ? f.grossPositionValue / net : 0),
        ]
        var out: [SimAccountValue] = []
        for account in accounts {
            for tag in Self.summaryTags {
                if let v = money[tag] {
                    out.append(SimAccountValue(account: account, tag: tag, value: Self.amount(v), currency: "USD"))
                } else if let v = plain[tag] {
                    out.append(SimAccountValue(account: account, tag: tag, value: v, currency: ""))
                }
            }
        }
        return out
    }

    /// The ledger rows of every account at `date` for each currency asked (`BASE`, `USD`).
    func ledger(at date: Date, currencies: [String] = ["BASE", "USD"]) -> [SimAccountValue] {
        let f = figures(at: date)
        var out: [SimAccountValue] = []
        for account in accounts {
            for currency in currencies where currency == "BASE" || currency == "USD" {
                let values: [String: String] = [
                    "Currency": "USD", "CashBalance": Self.amount(f.cash), "TotalCashBalance": Self.amount(f.cash),
                    "StockMarketValue": Self.amount(f.stockValue), "OptionMarketValue": Self.amount(f.optionValue),
                    "NetLiquidationByCurrency": Self.amount(f.netLiquidation),
                    "UnrealizedPnL": Self.amount(f.unrealized), "RealizedPnL": Self.amount(f.realized),
                    "ExchangeRate": "1.00", "AccountOrGroup": account, "RealCurrency": "USD",
                ]
                for key in Self.ledgerKeys {
                    out.append(
                        SimAccountValue(
                            account: account, tag: key, value: values[key] ?? "0.00", currency: currency))
                }
            }
        }
        return out
    }

    /// What reqAccountUpdates streams for an account: its code, readiness, every summary tag and the
    /// BASE and USD ledgers.
    func accountUpdateValues(at date: Date) -> [SimAccountValue] {
        var out: [SimAccountValue] = []
        for account in accounts {
            out.append(SimAccountValue(account: account, tag: "AccountCode", value: account, currency: ""))
            out.append(SimAccountValue(account: account, tag: "AccountReady", value: "true", currency: ""))
        }
        return out + accountValues(at: date) + ledger(at: date)
    }

    /// IB's text for an amount: two decimals, never `-0.00`.
    static func amount(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(format: "%.2f", rounded == 0 ? 0 : rounded)
    }

    func portfolio(at date: Date) -> [TWSPortfolioValue] {
        let holdings = state.withLock { s in s.holdings.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 } }
        return holdings.map { conId, h in
            var p = TWSPortfolioValue()
            p.contract = h.contract
            p.contract.conId = conId
            p.position = TWSDecimal(h.quantity)
            let multiplier = Double(h.contract.multiplier) ?? 1
            p.marketPrice = mark(h, at: date)
            p.marketValue = p.marketPrice * multiplier * h.quantity
            p.averageCost = h.averageCost
            p.unrealizedPNL = p.marketValue - h.averageCost * h.quantity
            p.accountName = accounts[0]
            return p
        }
    }
}
