import Foundation
import MarketData
import OptionsModel
import SnapshotStore
import TestSupport
import Testing

@testable import Trading

let now = SimulatorHarness.wednesdayMorning  // 2026-03-04 10:30 New York
let today = MarketCalendar().tradingDay(of: SimulatorHarness.wednesdayMorning)

/// A chain priced with Black-Scholes (spot 600, 18% vol): realistic deltas and credits.
func chain(
    expiries: [Int] = [21, 44, 72], spot: Double = 600, vol: Double = 0.18, halfSpread: Double = 0.03,
    oi: Double? = 1000,
    flags: QualityFlags = []
) -> ChainSnapshot {
    var rows: [OptionQuote] = []
    for dte in expiries {
        let expiry = today.adding(days: dte)
        for k in stride(from: 500.0, through: 700, by: 5) {
            for right in OptionRight.allCases {
                let r = BlackScholes.evaluate(
                    right: right, spot: spot, strike: k, time: Double(dte) / 365, rate: 0.04, volatility: vol)
                let mid = max(0.02, r.price)
                var q = OptionQuote(
                    contract: OptionContract(symbol: "SPY", expiry: expiry, strike: k, right: right),
                    quote: Quote(bid: mid - halfSpread, ask: mid + halfSpread, openInterest: oi),
                    greeks: Greeks(
                        impliedVolatility: vol, delta: r.delta, gamma: r.gamma, theta: r.thetaPerDay,
                        vega: r.vegaPerPoint),
                    underlyingPrice: spot, source: .simulator)
                q.flags.formUnion(flags)
                rows.append(q)
            }
        }
    }
    return ChainSnapshot(symbol: "SPY", timestamp: now, underlyingPrice: spot, options: rows, source: .simulator)
}

func picture(_ chain: ChainSnapshot, trend: Trend = .uptrend, ivRank: Double = 45, vix: Double? = 18) -> MarketPicture {
    MarketPicture(
        symbol: "SPY", chain: chain, price: 600, atmIV: 0.18, ivRank: ivRank, vix: vix, trend: trend,
        source: .simulator, greeksCoverage: 1, warnings: [])
}

func candidate(_ d: EntryDecision) -> TradeCandidate? {
    if case .trade(let c) = d { return c }
    return nil
}

func reason(_ d: EntryDecision) -> String? {
    if case .noTrade(let r) = d { return r }
    return nil
}

@Suite struct EntrySignalTests {
    /// Without skew a $5 spread at 0.25 delta collects about a quarter of its width, so the
    /// structure tests accept 20%; `minimumCreditIsEnforced` covers the default.
    let rules: StrategyRules = {
        var r = StrategyRules()
        r.minCreditFraction = 0.2
        return r
    }()

    @Test func uptrendSellsAPutSpreadAtTheTargetDelta() throws {
        let c = try #require(candidate(EntrySignal.evaluate(picture(chain()), rules: rules, now: now)))
        #expect(c.structure == .bullPutSpread && c.expiry == today.adding(days: 44))
        let short = try #require(c.legs.first { $0.action == .sell }),
            long = try #require(c.legs.first { $0.action == .buy })
        #expect(short.option.contract.right == .put && (0.20...0.30).contains(abs(short.option.greeks.delta ?? 0)))
        #expect(short.option.contract.strike - long.option.contract.strike == 5)
        #expect(c.width == 5 && c.credit >= 1.0 && abs(c.maxLoss - (5 - c.credit) * 100) < 1e-9)
        #expect(c.naturalCredit < c.credit)
    }

    @Test func downtrendSellsACallSpread() throws {
        let c = try #require(
            candidate(EntrySignal.evaluate(picture(chain(), trend: .downtrend), rules: rules, now: now)))
        #expect(c.structure == .bearCallSpread)
        #expect(c.legs.allSatisfy { $0.option.contract.right == .call })
        let short = try #require(c.legs.first { $0.action == .sell }),
            long = try #require(c.legs.first { $0.action == .buy })
        #expect(long.option.contract.strike - short.option.contract.strike == 5)
    }

    @Test func neutralSellsAnIronCondor() throws {
        var wide = rules
        wide.minCreditFraction = 0.2
        let c = try #require(candidate(EntrySignal.evaluate(picture(chain(), trend: .neutral), rules: wide, now: now)))
        #expect(c.structure == .ironCondor && c.legs.count == 4)
        #expect(Set(c.legs.map(\.option.contract.right)) == [.put, .call])
    }

    @Test func gatesSayWhyThereIsNoTrade() {
        #expect(
            reason(EntrySignal.evaluate(picture(chain(), ivRank: 12), rules: rules, now: now))?.contains(
                "IV rank 12.0 below 30.0") == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(), vix: 40), rules: rules, now: now))?.contains(
                "VIX 40.00 outside 12-35") == true)
        var noPuts = rules
        noPuts.enabled = [.ironCondor]
        #expect(
            reason(EntrySignal.evaluate(picture(chain()), rules: noPuts, now: now))?.contains(
                "bull_put_spread is disabled") == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(expiries: [10, 90])), rules: rules, now: now))?.contains(
                "no expiry within 30-60") == true)
    }

    @Test func minimumCreditIsEnforced() {
        var strict = StrategyRules()
        strict.minCreditFraction = 0.30
        #expect(
            reason(EntrySignal.evaluate(picture(chain()), rules: strict, now: now))?.contains(
                "below 30% of the 5.00 width") == true)
    }

    @Test func liquidityAndQualityGates() {
        #expect(
            reason(EntrySignal.evaluate(picture(chain(halfSpread: 1.5)), rules: rules, now: now))?.contains("spread")
                == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(oi: 10)), rules: rules, now: now))?.contains(
                "open interest 10 below 100") == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(oi: nil)), rules: rules, now: now))?.contains("open interest")
                == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(flags: [.stale])), rules: rules, now: now))?.contains("stale")
                == true)
        #expect(
            reason(EntrySignal.evaluate(picture(chain(flags: [.delayed])), rules: rules, now: now))?.contains("delayed")
                == true)
        var delayedOK = rules
        delayedOK.allowDelayedData = true
        #expect(candidate(EntrySignal.evaluate(picture(chain(flags: [.delayed])), rules: delayedOK, now: now)) != nil)
    }

    @Test func missingGreeksAreRefused() {
        var c = chain()
        for i in c.options.indices { c.options[i].greeks = Greeks() }
        #expect(reason(EntrySignal.evaluate(picture(c), rules: rules, now: now))?.contains("no short strike") == true)
    }

    @Test func longStrikeByDelta() throws {
        var byDelta = rules
        byDelta.spreadWidth = nil
        byDelta.longDelta = 0.10
        byDelta.minCreditFraction = 0.1
        let c = try #require(candidate(EntrySignal.evaluate(picture(chain()), rules: byDelta, now: now)))
        let long = try #require(c.legs.first { $0.action == .buy })
        #expect(abs(abs(long.option.greeks.delta ?? 0) - 0.10) < 0.04)
    }
}

@Suite struct RiskCheckTests {
    let limits = RiskLimits()

    func trade(maxLossWidth width: Double = 5, credit: Double = 1.5, symbol: String = "SPY") -> TradeCandidate {
        TradeCandidate(
            symbol: symbol, structure: .bullPutSpread, expiry: today.adding(days: 44), legs: [], credit: credit,
            width: width, quantity: 1)
    }

    @Test func aCleanBookPasses() {
        #expect(RiskCheck.refusal(for: trade(), book: BookState(), limits: limits, now: now) == nil)
    }

    func held(_ symbol: String, _ maxLoss: Double, strikes: [Double] = [400, 395]) -> BookPosition {
        BookPosition(
            symbol: symbol, expiry: today.adding(days: 44), maxLoss: maxLoss,
            spans: BookPosition.spans(strikes.map { (.put, $0) }))
    }

    @Test func everyLimitRefuses() {
        let full = BookState(open: (0..<5).map { held("Q\($0)", 100.0) })
        #expect(
            RiskCheck.refusal(for: trade(), book: full, limits: limits, now: now)?.contains("open positions") == true)
        let twoSPY = BookState(open: [held("SPY", 100), held("SPY", 100)])
        #expect(
            RiskCheck.refusal(for: trade(), book: twoSPY, limits: limits, now: now)?.contains("open SPY positions")
                == true)
        #expect(
            RiskCheck.refusal(for: trade(maxLossWidth: 10, credit: 2), book: BookState(), limits: limits, now: now)?
                .contains("per trade") == true)
        let heavy = BookState(open: [held("A", 550), held("B", 550), held("C", 550), held("D", 550)])
        #expect(RiskCheck.refusal(for: trade(), book: heavy, limits: limits, now: now)?.contains("total risk") == true)
        #expect(
            RiskCheck.refusal(for: trade(), book: BookState(openedToday: 3), limits: limits, now: now)?.contains(
                "opened today") == true)
        #expect(
            RiskCheck.refusal(for: trade(), book: BookState(dayPnL: -1000), limits: limits, now: now)?.contains(
                "daily loss") == true)
        #expect(
            RiskCheck.refusal(for: trade(), book: BookState(killSwitch: true), limits: limits, now: now)
                == "kill switch is on")
        let cal = MarketCalendar()
        #expect(
            RiskCheck.refusal(
                for: trade(), book: BookState(), limits: limits, now: cal.date(today, minute: 9 * 60 + 40))
                == "outside the trading window")
        #expect(
            RiskCheck.refusal(
                for: trade(), book: BookState(), limits: limits, now: cal.date(today, minute: 15 * 60 + 50))
                == "outside the trading window")
        var late = limits
        late.tradingWindow = (9 * 60 + 45)...(16 * 60)
        #expect(
            RiskCheck.refusal(
                for: trade(), book: BookState(), limits: late, now: cal.date(today, minute: 15 * 60 + 50))?.contains(
                    "minutes of the close") == true)
        #expect(
            RiskCheck.refusal(
                for: trade(), book: BookState(), limits: limits, now: cal.date(Expiry("20260307")!, minute: 11 * 60))
                == "outside the trading window")
    }
}
