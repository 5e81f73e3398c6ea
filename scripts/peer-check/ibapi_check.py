#!/usr/bin/env python3
"""Peer check: IB's official Python client (ibapi, negotiating server version 200) drives the
papertrader gateway simulator as a user would, asserting what the official client receives."""
import math
import queue
import sys
import threading
import time

from ibapi.account_summary_tags import AccountSummaryTags
from ibapi.client import EClient
from ibapi.contract import ComboLeg, Contract
from ibapi.order import Order
from ibapi.wrapper import EWrapper

from simulator import Checks, Simulator


class App(EWrapper, EClient):
    def __init__(self):
        EClient.__init__(self, self)
        self.inbox = queue.Queue()
        self.ready = threading.Event()
        self.accounts = ""
        self.next_id = None
        self.errors = []

    def put(self, *item):
        self.inbox.put(item)

    def nextValidId(self, orderId):
        self.next_id = orderId
        self.ready.set()

    def managedAccounts(self, accountsList):
        self.accounts = accountsList

    def error(self, reqId, errorTime, errorCode, errorString, advancedOrderRejectJson=""):
        self.errors.append((reqId, errorCode, errorString))
        self.put("error", reqId, errorCode, errorString)

    def contractDetails(self, reqId, cd): self.put("contractDetails", reqId, cd)
    def contractDetailsEnd(self, reqId): self.put("end", reqId)
    def securityDefinitionOptionParameter(self, reqId, exchange, conId, tc, mult, exps, strikes):
        self.put("secdef", reqId, exchange, conId, sorted(exps), sorted(strikes))
    def securityDefinitionOptionParameterEnd(self, reqId): self.put("end", reqId)
    def tickPrice(self, reqId, tickType, price, attrib): self.put("price", reqId, tickType, price)
    def tickSize(self, reqId, tickType, size): self.put("size", reqId, tickType, float(size))
    def tickOptionComputation(self, reqId, tickType, tickAttrib, iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice):
        self.put("greeks", reqId, tickType, dict(iv=iv, delta=delta, opt=optPrice, pv=pvDividend, gamma=gamma, vega=vega, theta=theta, und=undPrice))
    def tickSnapshotEnd(self, reqId): self.put("end", reqId)
    def historicalData(self, reqId, bar): self.put("bar", reqId, bar)
    def historicalDataEnd(self, reqId, start, end): self.put("end", reqId)
    def accountSummary(self, reqId, account, tag, value, currency): self.put("summary", reqId, tag, value, currency)
    def accountSummaryEnd(self, reqId): self.put("end", reqId)
    def openOrder(self, orderId, contract, order, orderState): self.put("open", orderId, order.whatIf, orderState)
    def openOrderEnd(self): self.put("end", "openOrders")
    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, *rest): self.put("status", orderId, status, float(filled), avgFillPrice)
    def execDetails(self, reqId, contract, execution): self.put("exec", execution.orderId, contract.conId, execution)
    def commissionAndFeesReport(self, report): self.put("commission", report.execId, report.commissionAndFees)
    def position(self, account, contract, position, avgCost): self.put("position", contract.conId, float(position), avgCost)
    def positionEnd(self): self.put("end", "positions")
    def currentTime(self, t): self.put("time", t)
    def headTimestamp(self, reqId, stamp): self.put("head", reqId, stamp)
    def symbolSamples(self, reqId, descriptions): self.put("symbols", reqId, descriptions)
    def pnl(self, reqId, daily, unrealized, realized): self.put("pnl", reqId, daily, unrealized, realized)
    def pnlSingle(self, reqId, pos, daily, unrealized, realized, value): self.put("pnlSingle", reqId, float(pos), value)
    def userInfo(self, reqId, whiteBrandingId): self.put("userInfo", reqId, whiteBrandingId)

    def collect(self, until, timeout=10.0):
        """Messages until `until(item)` is true (inclusive) or the timeout."""
        items, deadline = [], time.time() + timeout
        while time.time() < deadline:
            try:
                item = self.inbox.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            items.append(item)
            if until(item):
                break
        return items


def ended(req):
    return lambda item: item[0] == "end" and item[1] == req


def option(symbol, expiry, strike, right):
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = symbol, "OPT", "SMART", "USD"
    c.lastTradeDateOrContractMonth, c.strike, c.right, c.multiplier = expiry, strike, right, "100"
    return c


def main():
    checks = Checks("ibapi")
    with Simulator("--clock-speed", "60") as sim:
        app = App()
        app.connect("127.0.0.1", sim.port, 11)
        threading.Thread(target=app.run, daemon=True).start()
        checks.check("connect and nextValidId", app.ready.wait(10))
        checks.check("negotiated server version 200", app.serverVersion() == 200, app.serverVersion())
        checks.check("managed accounts", app.accounts == "DU1234567", app.accounts)

        spy = Contract()
        spy.symbol, spy.secType, spy.exchange, spy.currency = "SPY", "STK", "SMART", "USD"
        app.reqContractDetails(1, spy)
        details = [i[2] for i in app.collect(ended(1)) if i[0] == "contractDetails"]
        checks.check("contract details for SPY", len(details) == 1 and details[0].contract.conId == 756733)

        app.reqSecDefOptParams(2, "SPY", "", "STK", 756733)
        rows = [i for i in app.collect(ended(2)) if i[0] == "secdef"]
        smart = [r for r in rows if r[2] == "SMART"]
        checks.check("secdef option params (SMART row)", len(smart) == 1 and len(smart[0][4]) >= 10)
        expirations, strikes = smart[0][4], smart[0][5]
        checks.check("expiries out to at least 120 days", expirations[-1] >= "20260702", expirations[-1])

        # A dozen options of the expiry nearest 45 days, around the money.
        expiry = min(expirations, key=lambda e: abs(int(e) - 20260417))
        app.reqMktData(3, spy, "", True, False, [])
        spot = next((i[3] for i in app.collect(ended(3)) if i[0] == "price" and i[2] == 4), None)
        checks.check("underlying snapshot", spot is not None and spot > 0, spot)
        near = sorted(strikes, key=lambda k: abs(k - spot))[:6]
        quotes = {}
        req = 100
        for k in near:
            for right in ("C", "P"):
                req += 1
                app.reqMktData(req, option("SPY", expiry, k, right), "", True, False, [])
                items = app.collect(ended(req))
                q = {"bid": None, "ask": None, "greeks": None}
                for i in items:
                    if i[0] == "price" and i[2] == 1: q["bid"] = i[3]
                    if i[0] == "price" and i[2] == 2: q["ask"] = i[3]
                    if i[0] == "greeks" and i[2] == 13: q["greeks"] = i[3]
                quotes[(k, right)] = q
        checks.check("12 option snapshots with bid/ask", len(quotes) == 12 and all(q["bid"] is not None and q["ask"] for q in quotes.values()))
        checks.check("greeks present on every snapshot", all(q["greeks"] and q["greeks"]["delta"] is not None for q in quotes.values()))
        checks.check("call delta in (0,1)", all(0 < q["greeks"]["delta"] < 1 for (k, r), q in quotes.items() if r == "C"))
        checks.check("put delta in (-1,0)", all(-1 < q["greeks"]["delta"] < 0 for (k, r), q in quotes.items() if r == "P"))
        checks.check("gamma > 0", all(q["greeks"]["gamma"] > 0 for q in quotes.values()))
        parity_ok = True
        for k in near:
            c, p = quotes[(k, "C")], quotes[(k, "P")]
            g = c["greeks"]
            t = (time.mktime(time.strptime(expiry, "%Y%m%d")) - time.mktime(time.strptime("20260304", "%Y%m%d"))) / (365 * 86400)
            forward = g["und"] - (g["pv"] or 0) - k * math.exp(-0.04 * t)
            low, high = c["bid"] - p["ask"], c["ask"] - p["bid"]
            if not (low - 0.05 <= forward <= high + 0.05):
                parity_ok = False
                print(f"  parity K={k}: {low:.2f} <= {forward:.2f} <= {high:.2f}?")
        checks.check("put-call parity holds within the spread", parity_ok)

        # Streaming with generic 101: open interest arrives as tick 27 (call) / 28 (put), then updates.
        app.reqMktData(200, option("SPY", expiry, near[0], "C"), "101", False, False, [])
        stream = app.collect(lambda i: False, timeout=4)
        oi = [i for i in stream if i[0] == "size" and i[1] == 200 and i[2] == 27]
        updates = [i for i in stream if i[0] == "price" and i[1] == 200 and i[2] in (1, 2)]
        checks.check("open interest via generic tick 101", len(oi) >= 1 and oi[0][3] > 0)
        checks.check("streaming updates arrive", len(updates) >= 3, len(updates))
        app.cancelMktData(200)
        time.sleep(0.5)
        while not app.inbox.empty(): app.inbox.get()
        after = app.collect(lambda i: False, timeout=1.5)
        checks.check("cancelMktData stops the stream", not [i for i in after if len(i) > 1 and i[1] == 200])

        snapshot_generic = app.reqMktData(201, option("SPY", expiry, near[0], "P"), "101", True, False, [])
        err = app.collect(lambda i: i[0] == "error" and i[1] == 201, timeout=3)
        checks.check("generic ticks on a snapshot are refused (321)", any(i[0] == "error" and i[2] == 321 for i in err))

        vix = Contract()
        vix.symbol, vix.secType, vix.exchange, vix.currency = "VIX", "IND", "CBOE", "USD"
        app.reqMktData(4, vix, "", True, False, [])
        vix_last = next((i[3] for i in app.collect(ended(4)) if i[0] == "price" and i[2] == 4), None)
        checks.check("VIX index snapshot", vix_last is not None and 8 < vix_last < 90, vix_last)

        # Tools: head timestamp, IV calculation, symbol search; unsupported requests get an answer.
        app.reqHeadTimeStamp(30, spy, "TRADES", 1, 1)
        head = [i for i in app.collect(lambda i: i[0] == "head", timeout=5) if i[0] == "head"]
        checks.check("head timestamp", head and head[0][2][:4] <= "2023", head)
        app.calculateImpliedVolatility(31, option("SPY", expiry, near[0], "C"), 12.0, spot, [])
        iv = [i for i in app.collect(lambda i: i[0] == "greeks" and i[1] == 31, timeout=5) if i[0] == "greeks"]
        checks.check("calculateImpliedVolatility (tick 53)", iv and iv[0][2] == 53 and 0.01 < iv[0][3]["iv"] < 2, iv)
        app.calculateOptionPrice(32, option("SPY", expiry, near[0], "C"), iv[0][3]["iv"] if iv else 0.2, spot, [])
        px = [i for i in app.collect(lambda i: i[0] == "greeks" and i[1] == 32, timeout=5) if i[0] == "greeks"]
        checks.check("calculateOptionPrice inverts it", px and abs(px[0][3]["opt"] - 12.0) < 1e-4, px)
        app.reqMatchingSymbols(33, "IW")
        found = [i for i in app.collect(lambda i: i[0] == "symbols", timeout=5) if i[0] == "symbols"]
        checks.check("reqMatchingSymbols", found and found[0][2][0].contract.symbol == "IWM", found)
        app.reqMktDepth(34, spy, 5, False, [])
        depth = app.collect(lambda i: i[0] == "error" and i[1] == 34, timeout=5)
        checks.check("reqMktDepth is answered with IB's error, not silence", any(i[0] == "error" and i[1] == 34 for i in depth))
        app.reqUserInfo(35)
        user = app.collect(lambda i: i[0] == "userInfo", timeout=5)
        checks.check("reqUserInfo answered", any(i[0] == "userInfo" and i[1] == 35 for i in user))

        app.reqHistoricalData(5, spy, "", "1 Y", "1 day", "TRADES", 1, 1, False, [])
        bars = [i[2] for i in app.collect(ended(5)) if i[0] == "bar"]
        checks.check("one year of daily bars", len(bars) >= 250, len(bars))
        checks.check("bars in date order, high >= low", all(a.date < b.date for a, b in zip(bars, bars[1:])) and all(b.high >= b.low for b in bars))

        app.reqAccountSummary(6, "All", "NetLiquidation,TotalCashValue,BuyingPower")
        summary = {i[2]: i[3] for i in app.collect(ended(6)) if i[0] == "summary"}
        checks.check("account summary", set(summary) == {"NetLiquidation", "TotalCashValue", "BuyingPower"}, summary)
        app.reqAccountSummary(7, "All", AccountSummaryTags.AllTags)
        rows = [i for i in app.collect(ended(7)) if i[0] == "summary"]
        asked = set(AccountSummaryTags.AllTags.split(","))
        got = {i[2] for i in rows}
        checks.check("account summary: every AccountSummaryTags.AllTags tag", got == asked, sorted(asked ^ got))
        full = {i[2]: i[3] for i in rows}
        checks.check("FullMaintMarginReq, Cushion, Leverage are numbers",
                     all(float(full[t]) >= 0 for t in ("FullMaintMarginReq", "Cushion", "Leverage")), full.get("Cushion"))
        app.cancelAccountSummary(7)
        app.reqAccountSummary(8, "All", "$LEDGER:ALL")
        ledger = [i for i in app.collect(ended(8)) if i[0] == "summary"]
        checks.check("$LEDGER:ALL: ledger rows for BASE and USD",
                     {i[4] for i in ledger if i[2] == "CashBalance"} == {"BASE", "USD"}, ledger[:3])
        app.cancelAccountSummary(8)

        # A BAG put credit spread: sell the higher put, buy the lower one, for a credit.
        def con_id(k):
            app.reqContractDetails(50 + int(k), option("SPY", expiry, k, "P"))
            found = [i[2] for i in app.collect(ended(50 + int(k))) if i[0] == "contractDetails"]
            return found[0].contract.conId if found else None
        short_k = sorted(near)[2]
        long_k = short_k - 5
        short_id, long_id = con_id(short_k), con_id(long_k)
        checks.check("leg conIds resolved", short_id and long_id)
        combo = Contract()
        combo.symbol, combo.secType, combo.exchange, combo.currency = "SPY", "BAG", "SMART", "USD"
        legs = []
        for cid, action in ((short_id, "SELL"), (long_id, "BUY")):
            leg = ComboLeg()
            leg.conId, leg.ratio, leg.action, leg.exchange = cid, 1, action, "SMART"
            legs.append(leg)
        combo.comboLegs = legs
        order = Order()
        order.action, order.orderType, order.totalQuantity, order.lmtPrice = "BUY", "LMT", 1, -0.05
        order.orderRef, order.tif = "peer-ibapi-1", "DAY"
        # What-if: one openOrder with the margin preview, no order created.
        preview = Order()
        preview.action, preview.orderType, preview.totalQuantity, preview.lmtPrice = "BUY", "LMT", 2, -0.05
        preview.whatIf = True
        app.placeOrder(app.next_id, combo, preview)
        opened = [i for i in app.collect(lambda i: i[0] == "open", timeout=5) if i[0] == "open"]
        state = opened[0][3] if opened else None
        checks.check("what-if: openOrder with margins (2 x 5-wide: 1000 initial)",
                     state is not None and opened[0][2] and float(state.initMarginChange) == 1000 and float(state.maintMarginAfter) == 1000,
                     state)
        checks.check("what-if: equity with loan and commission",
                     state is not None and float(state.equityWithLoanAfter) > 0 and abs(state.commissionAndFees - 2.6) < 1e-6)
        app.reqOpenOrders()
        listed = [i for i in app.collect(ended("openOrders")) if i[0] == "open"]
        checks.check("what-if leaves no order", not listed, listed)
        app.next_id += 1

        oid = app.next_id
        app.placeOrder(oid, combo, order)
        flow = app.collect(lambda i: i[0] == "status" and i[1] == oid and i[2] == "Filled", timeout=10)
        flow += app.collect(lambda i: False, timeout=1)
        statuses = [i[2] for i in flow if i[0] == "status" and i[1] == oid]
        execs = [i for i in flow if i[0] == "exec" and i[1] == oid]
        commissions = {i[1]: i[2] for i in flow if i[0] == "commission"}
        checks.check("order PreSubmitted -> Submitted -> Filled", statuses[:1] == ["PreSubmitted"] and "Submitted" in statuses and statuses[-1] == "Filled", statuses)
        checks.check("execDetails for both legs with the orderRef", len(execs) == 2 and all(e[3].orderRef == "peer-ibapi-1" for e in execs))
        checks.check("commission report per execution", all(e[3].execId in commissions and commissions[e[3].execId] > 0 for e in execs), commissions)

        app.reqPnL(36, "DU1234567", "")
        pnl = [i for i in app.collect(lambda i: i[0] == "pnl", timeout=5) if i[0] == "pnl"]
        checks.check("reqPnL", pnl and pnl[0][1] == 36, pnl)
        app.cancelPnL(36)
        app.reqPnLSingle(37, "DU1234567", "", short_id)
        single = [i for i in app.collect(lambda i: i[0] == "pnlSingle", timeout=5) if i[0] == "pnlSingle"]
        checks.check("reqPnLSingle of the short leg", single and single[0][2] == -1, single)
        app.cancelPnLSingle(37)

        app.reqPositions()
        positions = {i[1]: i[2] for i in app.collect(ended("positions")) if i[0] == "position"}
        checks.check("positions updated", positions.get(short_id) == -1 and positions.get(long_id) == 1, positions)

        # Flooding past 50 messages a second gets IB's error 100.
        for _ in range(120):
            app.reqCurrentTime()
        flood = app.collect(lambda i: i[0] == "error" and i[2] == 100, timeout=5)
        checks.check("pacing error 100 when flooding", any(i[0] == "error" and i[2] == 100 for i in flood))
        app.disconnect()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
