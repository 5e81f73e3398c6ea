#!/usr/bin/env python3
"""The `papertrader bench snapshots` fetch done by ib_async against the same simulator: N option
snapshots (contracts qualified beforehand, outside the timing)."""
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peer-check"))
from ib_async import IB, Option  # noqa: E402
from simulator import Simulator  # noqa: E402

EXPIRIES = ["20260306", "20260313", "20260320", "20260327", "20260402", "20260410", "20260417", "20260424"]


def contracts(count):
    out = []
    for i in range(count):
        out.append(Option("SPY", EXPIRIES[(i // 60) % len(EXPIRIES)], 560.0 + (i % 30) * 2, "C" if i % 60 < 30 else "P", "SMART"))
    return out


async def main(count):
    with Simulator() as sim:
        ib = IB()
        ib.errorEvent += lambda reqId, code, msg, c: print("error", code, msg) if code == 100 else None
        await ib.connectAsync("127.0.0.1", sim.port, clientId=92, timeout=15)
        qualified = await ib.qualifyContractsAsync(*contracts(count))
        start = time.monotonic()
        tickers = await ib.reqTickersAsync(*qualified)
        elapsed = time.monotonic() - start
        complete = sum(1 for t in tickers if t.bid == t.bid and t.ask == t.ask and t.modelGreeks and t.modelGreeks.delta is not None)
        print(f"ib_async: {count} option snapshots in {elapsed:.2f} s ({count / elapsed:.0f}/s), {complete}/{count} with bid, ask and greeks")
        ib.disconnect()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
