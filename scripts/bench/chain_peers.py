#!/usr/bin/env python3
"""Chain collection, ours vs ib_async, against the same simulator with the same filters.

    chain_peers.py [--symbols SPY,QQQ,IWM] [--dte-min 35] [--dte-max 60] [--expiries 1] [--range 0.07]

Ours: `papertrader collect-once` (open interest off, as snapshots cannot carry it). ib_async:
qualify the stock, reqSecDefOptParams, the SMART row, the same expiries and strikes, then snapshots
in batches of 90 (ib_async does not manage IB's 100-line budget); ib_async needs every option
qualified (a contract-details request each) before it can request market data. Both are compared with the pacing
floor: messages sent / 45 per second.
"""
import argparse
import asyncio
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peer-check"))
from ib_async import IB, Option, Stock  # noqa: E402
from simulator import BINARY, Simulator  # noqa: E402

TODAY = datetime.date(2026, 3, 4)  # the simulator's --start day


def ours(port, a):
    config = f"""
gateway:
  port: {port}
collection:
  symbols: [{a.symbols}]
  dte_min: {a.dte_min}
  dte_max: {a.dte_max}
  max_expiries: {a.expiries}
  strike_range_pct: {a.range}
  open_interest: "off"
storage:
  path: {tempfile.mkdtemp()}/bench.sqlite
http:
  enabled: false
"""
    path = os.path.join(tempfile.mkdtemp(), "bench.yaml")
    open(path, "w").write(config)
    start = time.monotonic()
    out = subprocess.run([BINARY, "collect-once", "--config", path, "--json"], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    report = json.loads(out.stdout)
    return elapsed, sum(s["contracts"] for s in report["symbols"])


async def theirs(port, a):
    ib = IB()
    ib.errorEvent += lambda reqId, code, msg, c: print("ib_async error", code, msg) if code in (100, 101) else None
    # ib_async at its default pacing (45 requests per second), as users run it: the simulator counts
    # messages on arrival and tolerates the batch edges of that pacer, as real gateways do.
    await ib.connectAsync("127.0.0.1", port, clientId=93, timeout=15)
    start = time.monotonic()
    total = 0
    for symbol in a.symbols.split(","):
        [stock] = await ib.qualifyContractsAsync(Stock(symbol, "SMART", "USD"))
        [spot_ticker] = await ib.reqTickersAsync(stock)
        spot = spot_ticker.marketPrice()
        params = await ib.reqSecDefOptParamsAsync(symbol, "", "STK", stock.conId)
        row = next(p for p in params if p.exchange == "SMART")
        expiries = sorted(e for e in row.expirations
                          if a.dte_min <= (datetime.datetime.strptime(e, "%Y%m%d").date() - TODAY).days <= a.dte_max)[:a.expiries]
        strikes = [k for k in row.strikes if abs(k - spot) <= spot * a.range]
        contracts = [Option(symbol, e, k, r, "SMART", tradingClass=row.tradingClass)
                     for e in expiries for k in strikes for r in ("C", "P")]
        # ib_async keys tickers by conId, so options must be qualified first (one request each).
        contracts = await ib.qualifyContractsAsync(*contracts)
        for i in range(0, len(contracts), 90):
            tickers = await ib.reqTickersAsync(*contracts[i:i + 90])
            total += len(tickers)
    elapsed = time.monotonic() - start
    ib.disconnect()
    return elapsed, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--symbols", default="SPY,QQQ,IWM")
    ap.add_argument("--dte-min", type=int, default=35)
    ap.add_argument("--dte-max", type=int, default=60)
    ap.add_argument("--expiries", type=int, default=1)
    ap.add_argument("--range", type=float, default=0.07)
    a = ap.parse_args()
    with Simulator() as sim:
        ours_s, ours_n = ours(sim.port, a)
    with Simulator() as sim:
        theirs_s, theirs_n = asyncio.run(theirs(sim.port, a))
    symbols = len(a.symbols.split(","))
    # Per symbol: contract details, secdef parameters, a stock snapshot (+ ours: bars, VIX); then one
    # reqMktData per option. 45 messages a second is the budget both clients keep.
    floor = (ours_n + 3 * symbols) / 45
    print(f"papertrader collect-once: {ours_n} contracts in {ours_s:.2f} s (floor {floor:.2f} s, ratio {ours_s / floor:.2f}; includes process start, VIX, bars, IV rank, store writes)")
    print(f"ib_async:                 {theirs_n} contracts in {theirs_s:.2f} s (ratio {theirs_s / floor:.2f})")


if __name__ == "__main__":
    main()
