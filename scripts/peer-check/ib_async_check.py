#!/usr/bin/env python3
"""Peer check: ib_async (negotiating server version 178) drives the papertrader gateway simulator
as a user would, asserting what ib_async receives."""
import asyncio
import math
import sys
import time

from ib_async import IB, ComboLeg, Contract, Index, LimitOrder, Option, Stock

from simulator import Checks, Simulator

# ib_async 2.1's IB.reqAccountSummaryAsync tags, less $LEDGER:ALL (its rows carry ledger tags).
ALL_TAGS = ("AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,"
            "PreviousDayEquityWithLoanValue,GrossPositionValue,RegTEquity,RegTMargin,SMA,InitMarginReq,MaintMarginReq,"
            "AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,"
            "FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,LookAheadMaintMarginReq,"
            "LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,"
            "DayTradesRemainingT+1,DayTradesRemainingT+2,DayTradesRemainingT+3,DayTradesRemainingT+4,Leverage")


async def run(port, checks):
    ib = IB()
    errors = []
    ib.errorEvent += lambda reqId, code, msg, contract: errors.append(code)
    await ib.connectAsync("127.0.0.1", port, clientId=12, timeout=15)
    checks.check("connect (positions, orders, executions, account updates synced)", ib.isConnected())
    checks.check("negotiated server version 178", ib.client.serverVersion() == 178, ib.client.serverVersion())
    checks.check("managed accounts", ib.managedAccounts() == ["DU1234567"], ib.managedAccounts())

    spy = Stock("SPY", "SMART", "USD")
    details = await ib.reqContractDetailsAsync(spy)
    checks.check("contract details for SPY", len(details) == 1 and details[0].contract.conId == 756733)
    chains = await ib.reqSecDefOptParamsAsync("SPY", "", "STK", 756733)
    smart = [c for c in chains if c.exchange == "SMART"]
    checks.check("secdef option params (SMART row)", len(smart) == 1 and len(smart[0].expirations) >= 10)
    chain = smart[0]
    [spy] = await ib.qualifyContractsAsync(spy)
    [spy_ticker] = await ib.reqTickersAsync(spy)
    spot = spy_ticker.last
    checks.check("underlying snapshot", spot and spot > 0, spot)

    expiry = min(chain.expirations, key=lambda e: abs(int(e) - 20260417))
    near = sorted(chain.strikes, key=lambda k: abs(k - spot))[:6]
    options = await ib.qualifyContractsAsync(*[Option("SPY", expiry, k, r, "SMART") for k in near for r in ("C", "P")])
    checks.check("12 options qualified with conIds", len(options) == 12 and all(o.conId for o in options))
    tickers = await ib.reqTickersAsync(*options)
    greeks_ok = all(t.modelGreeks and t.modelGreeks.delta is not None for t in tickers)
    checks.check("greeks present on every snapshot", greeks_ok)
    checks.check("call delta in (0,1)", all(0 < t.modelGreeks.delta < 1 for t in tickers if t.contract.right == "C"))
    checks.check("put delta in (-1,0)", all(-1 < t.modelGreeks.delta < 0 for t in tickers if t.contract.right == "P"))
    checks.check("gamma > 0", all(t.modelGreeks.gamma > 0 for t in tickers))
    by = {(t.contract.strike, t.contract.right): t for t in tickers}
    parity = True
    for k in near:
        c, p = by[(k, "C")], by[(k, "P")]
        g = c.modelGreeks
        years = (int(expiry[:4]) - 2026) + 0  # same year in this check
        days = (math.floor((__import__("datetime").date(int(expiry[:4]), int(expiry[4:6]), int(expiry[6:])) - __import__("datetime").date(2026, 3, 4)).days))
        forward = g.undPrice - (g.pvDividend or 0) - k * math.exp(-0.04 * days / 365)
        if not (c.bid - p.ask - 0.05 <= forward <= c.ask - p.bid + 0.05):
            parity = False
    checks.check("put-call parity holds within the spread", parity)

    # Listings: SPY expires every trading day near term, LEAPS out to two years, strikes everywhere.
    checks.check("SPY daily expirations (Thu 20260305, Mon 20260309)", {"20260305", "20260309"} <= set(chain.expirations))
    [leap] = await ib.qualifyContractsAsync(Option("SPY", "20270115", float(round(spot)), "P", "SMART"))
    checks.check("a LEAPS put qualifies (no error 200 beyond 120 days)", leap is not None and leap.conId > 0, leap)

    # Open interest needs a streaming request with generic tick 101.
    call = [o for o in options if o.right == "C"][0]
    stream = ib.reqMktData(call, "101", False, False)
    await asyncio.sleep(3)
    checks.check("open interest via generic tick 101", stream.callOpenInterest and stream.callOpenInterest > 0, stream.callOpenInterest)
    ib.cancelMktData(call)

    # Generic tick lists a tool asks for: 52-week range, mark, RTVolume, shortable, dividends.
    generic = ib.reqMktData(spy, "165,221,233,236,456", False, False)
    for _ in range(20):
        if generic.dividends and not math.isnan(generic.high52week):
            break
        await asyncio.sleep(0.25)
    checks.check("generic ticks 165/221/233/236/456 answered",
                 generic.low52week < generic.high52week and generic.markPrice > 0 and generic.shortable == 3
                 and generic.dividends is not None and generic.rtVolume > 0,
                 (generic.low52week, generic.high52week, generic.markPrice, generic.shortable, generic.dividends))
    ib.cancelMktData(spy)

    [vix] = await ib.qualifyContractsAsync(Index("VIX", "CBOE", "USD"))
    [vix_ticker] = await ib.reqTickersAsync(vix)
    checks.check("VIX index snapshot", vix_ticker.last and 8 < vix_ticker.last < 90, vix_ticker.last)
    vix_bars = await ib.reqHistoricalDataAsync(vix, "", "30 D", "1 day", "TRADES", True)
    checks.check("VIX daily bars (no volume: -1)", len(vix_bars) == 30 and all(b.volume == -1 for b in vix_bars), len(vix_bars))

    # The tools an options trader uses: head timestamp, IV / price calculation, symbol search, 5 s bars.
    head = await asyncio.wait_for(ib.reqHeadTimeStampAsync(spy, "TRADES", True, 1), 10)
    checks.check("head timestamp (years of history)", head is not None and head.year <= 2023, head)
    target = options[0]
    iv = await asyncio.wait_for(ib.calculateImpliedVolatilityAsync(target, 12.0, spot), 10)
    checks.check("calculateImpliedVolatility", iv is not None and 0.01 < iv.impliedVol < 2 and abs(iv.optPrice - 12.0) < 1e-6, iv)
    priced = await asyncio.wait_for(ib.calculateOptionPriceAsync(target, iv.impliedVol, spot), 10)
    checks.check("calculateOptionPrice inverts it", priced is not None and abs(priced.optPrice - 12.0) < 1e-4, priced)
    found = await asyncio.wait_for(ib.reqMatchingSymbolsAsync("QQ"), 10)
    checks.check("reqMatchingSymbols", found and found[0].contract.symbol == "QQQ" and "OPT" in found[0].derivativeSecTypes, found)
    rt = ib.reqRealTimeBars(spy, 5, "TRADES", False)
    for _ in range(40):
        if len(rt) >= 2:
            break
        await asyncio.sleep(0.25)
    checks.check("real-time 5 s bars", len(rt) >= 2 and all(b.high >= b.low > 0 for b in rt), len(rt))
    ib.cancelRealTimeBars(rt)

    intraday = await ib.reqHistoricalDataAsync(spy, "", "1 D", "5 mins", "TRADES", True)
    checks.check("5-minute bars of the underlying", len(intraday) >= 10 and all(b.high >= b.low > 0 for b in intraday), len(intraday))
    own = await ib.reqHistoricalDataAsync(options[0], "", "5 D", "1 day", "MIDPOINT", True)
    checks.check("an option's own daily bars (not its underlying's)", len(own) == 5 and all(0 < b.close < spot / 4 for b in own), own[-1:] if own else own)

    bars = await ib.reqHistoricalDataAsync(spy, "", "1 Y", "1 day", "TRADES", True)
    checks.check("one year of daily bars", len(bars) >= 250, len(bars))

    summary = await ib.accountSummaryAsync()
    tags = {s.tag for s in summary}
    asked = set(ALL_TAGS.split(","))
    checks.check("account summary: every tag ib_async asks for", asked <= tags, sorted(asked - tags))
    full_maint = [s for s in summary if s.tag == "FullMaintMarginReq"]
    checks.check("FullMaintMarginReq is a number in USD", len(full_maint) == 1 and float(full_maint[0].value) >= 0 and full_maint[0].currency == "USD", full_maint)
    ledger = {s.currency for s in summary if s.tag == "CashBalance"}
    checks.check("$LEDGER:ALL rows for BASE and USD", ledger == {"BASE", "USD"}, ledger)
    values = ib.accountValues()
    keys = {(v.tag, v.currency) for v in values}
    checks.check("account updates: FullMaintMarginReq, BASE and USD ledgers",
                 ("FullMaintMarginReq", "USD") in keys and ("CashBalance", "BASE") in keys and ("CashBalance", "USD") in keys,
                 sorted(keys)[:10])
    net = {v.currency: v.value for v in values if v.tag == "NetLiquidationByCurrency"}
    checks.check("account updates agree with the summary", net.get("BASE") == next(s.value for s in summary if s.tag == "NetLiquidation"), net)

    puts = sorted([o for o in options if o.right == "P"], key=lambda o: o.strike)
    short = puts[2]
    [long] = await ib.qualifyContractsAsync(Option("SPY", expiry, short.strike - 5, "P", "SMART"))
    combo = Contract(symbol="SPY", secType="BAG", exchange="SMART", currency="USD", comboLegs=[
        ComboLeg(conId=short.conId, ratio=1, action="SELL", exchange="SMART"),
        ComboLeg(conId=long.conId, ratio=1, action="BUY", exchange="SMART")])
    [combo_ticker] = await asyncio.wait_for(ib.reqTickersAsync(combo), 10)
    checks.check("BAG quote from its legs (a credit: bid < ask < 0)",
                 combo_ticker.bid < combo_ticker.ask < 0, (combo_ticker.bid, combo_ticker.ask))

    # A margin preview returns IB's order state and leaves no order behind.
    trades_before = len(ib.trades())
    state = await asyncio.wait_for(ib.whatIfOrderAsync(combo, LimitOrder("BUY", 1, -0.05)), 10)
    numeric = state.numeric() if state else None
    checks.check("whatIfOrder returns margins (5-wide spread: 500 initial)",
                 numeric is not None and abs(numeric.initMarginChange - 500) < 0.01 and abs(numeric.maintMarginAfter - 500) < 0.01,
                 state)
    checks.check("whatIfOrder returns equity with loan and commission",
                 numeric is not None and numeric.equityWithLoanAfter > 0 and abs(state.commission - 1.3) < 1e-6, state)
    await asyncio.sleep(0.5)
    checks.check("whatIfOrder leaves no order and no position",
                 len(ib.trades()) == trades_before and not ib.openTrades() and not ib.positions(), ib.openTrades())

    # A second API client on the same account: it must see positions move, never the owner's fills.
    idle = IB()
    await idle.connectAsync("127.0.0.1", port, clientId=13, timeout=15)

    trade = ib.placeOrder(combo, LimitOrder("BUY", 1, -0.05, orderRef="peer-ib_async-1"))
    for _ in range(40):
        await asyncio.sleep(0.25)
        if trade.isDone():
            break
    await asyncio.sleep(0.5)
    statuses = [e.status for e in trade.log]
    checks.check("order filled", trade.orderStatus.status == "Filled", statuses)
    checks.check("execDetails for both legs with the orderRef", len(trade.fills) == 2 and all(f.execution.orderRef == "peer-ib_async-1" for f in trade.fills))
    checks.check("commission report per fill", all(f.commissionReport.commission > 0 for f in trade.fills))
    pnl = ib.reqPnL("DU1234567")
    single = ib.reqPnLSingle("DU1234567", "", short.conId)
    for _ in range(20):
        if not math.isnan(pnl.unrealizedPnL) and not math.isnan(single.value):
            break
        await asyncio.sleep(0.25)
    checks.check("reqPnL streams the account's P&L", not math.isnan(pnl.unrealizedPnL), pnl)
    checks.check("reqPnLSingle of the short leg", single.position == -1 and single.value < 0, single)
    ib.cancelPnL("DU1234567")
    ib.cancelPnLSingle("DU1234567", "", short.conId)

    positions = {p.contract.conId: p.position for p in ib.positions()}
    checks.check("positions updated", positions.get(short.conId) == -1 and positions.get(long.conId) == 1, positions)
    for _ in range(40):
        if {p.contract.conId for p in idle.positions()} >= {short.conId, long.conId}:
            break
        await asyncio.sleep(0.25)
    idle_positions = {p.contract.conId: p.position for p in idle.positions()}
    checks.check("second client: positions updated", idle_positions.get(short.conId) == -1, idle_positions)
    checks.check("second client: no fills, no trades of the owner", not idle.fills() and not idle.trades(),
                 (idle.fills(), idle.trades()))
    idle.disconnect()

    # 300 contract qualifications in a row at ib_async's default pacing (45 per second): never cut off.
    strikes = sorted(chain.strikes, key=lambda k: abs(k - spot))[:50]
    expiries = sorted(e for e in chain.expirations if e > expiry)[:3]
    many = [Option("SPY", e, k, r, "SMART") for e in expiries for k in strikes for r in ("C", "P")]
    before = len(errors)
    started = time.monotonic()
    qualified = await ib.qualifyContractsAsync(*many)
    took = time.monotonic() - started
    checks.check(f"300 qualifications at default pacing ({took:.1f} s, {300 / took:.0f}/s)",
                 len(many) == 300 and len([q for q in qualified if q and q.conId]) == 300 and ib.isConnected(), len(qualified))
    checks.check("no pacing error on the way", 100 not in errors[before:], errors[before:][:5])

    # ib_async paces itself at 45/s; write raw frames under it to provoke IB's error 100.
    for _ in range(120):
        ib.client.conn.sendMsg(ib.client._prefix(b"49\x001\x00"))
    await asyncio.sleep(2)
    checks.check("pacing error 100 when flooding", 100 in errors, errors[-5:])
    ib.disconnect()


def main():
    checks = Checks("ib_async")
    with Simulator("--clock-speed", "60") as sim:
        asyncio.run(run(sim.port, checks))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
