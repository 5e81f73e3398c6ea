"""The dashboard as a person sees it: headless Chromium loads `/` of a running `run --simulator`.

Starts `.build/debug/papertrader run --simulator` on a temporary config (its own store, HTTP port and
kill-switch file; clock fast so cycles and a trade come quickly), waits by polling `/api/cycles` and
`/api/portfolio` (with a deadline) until cycles are stored and, ideally, a position is open, then loads
the page, saves a full-page screenshot to data/dashboard.png (and a phone-width one to
data/dashboard-phone.png), and checks that the charts (svg) and tables are there and carry the
store's numbers: equity and open position count from `/api/portfolio`, the latest IV rank of each
symbol from the store. Exit 0 when every check passes, 1 otherwise.
"""

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

SYMBOLS = ["SPY", "QQQ", "IWM"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory, port):
    # config/simulator.yaml's collection (what the strategy needs, within IB's pacing) with entries
    # from any IV rank, so that a position opens in the first simulated half hour.
    path = os.path.join(directory, "browser-check.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f"""gateway:
  client_id: 17
  market_data_type: live
collection:
  symbols: [{", ".join(SYMBOLS)}]
  interval_seconds: 300
  max_expiries: 0
  strike_range_pct: 0.05
  open_interest: daily
storage:
  path: {directory}/store.sqlite
strategy:
  min_iv_rank: 0
  iv_rank_until_history: allow
execution:
  venue: ib_paper
risk:
  kill_switch_file: {directory}/KILL
http:
  port: {port}
"""
        )
    return path


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.loads(r.read().decode())


def latest_iv_ranks(db):
    # Read-only beside the running writer (WAL): what the last cycle stored per symbol.
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            """SELECT u.symbol, u.iv_rank FROM underlying_snapshots u
               JOIN (SELECT symbol, MAX(timestamp) AS t FROM underlying_snapshots GROUP BY symbol) m
               ON u.symbol = m.symbol AND u.timestamp = m.t"""
        ).fetchall()
    finally:
        con.close()
    return {s: r for s, r in rows}


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]:
        options.add_argument(flag)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/debug/papertrader")
    parser.add_argument("--clock-speed", default="60")
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait for cycles and a position")
    parser.add_argument("--screenshot", default="data/dashboard.png")
    args = parser.parse_args()

    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    directory = tempfile.mkdtemp(prefix="browser-check-")
    port = free_port()
    config = write_config(directory, port)
    db = os.path.join(directory, "store.sqlite")
    log = open(os.path.join(directory, "run.log"), "w", encoding="utf-8")
    run = subprocess.Popen(
        [args.binary, "run", "--simulator", "--config", config, "--clock-speed", args.clock_speed],
        stdout=log, stderr=subprocess.STDOUT,
    )
    driver = None
    try:
        # Wait for stored cycles and, ideally, an open position.
        deadline = time.monotonic() + args.timeout
        cycles, portfolio = [], None
        while time.monotonic() < deadline:
            if run.poll() is not None:
                break
            try:
                cycles = get_json(port, "/api/cycles?limit=5")
                portfolio = get_json(port, "/api/portfolio")
            except OSError:
                pass  # not listening yet
            finished = [c for c in cycles if c.get("status") in ("ok", "partial")]
            if len(finished) >= 2 and portfolio and portfolio.get("openPositions", 0) >= 1:
                break
            time.sleep(1)
        check(run.poll() is None, "papertrader run is still running")
        check(len(cycles) >= 1, f"cycles stored ({len(cycles)} seen)")
        if not portfolio or portfolio.get("openPositions", 0) < 1:
            print(f"note: no position opened within {args.timeout:.0f} s; checking the page without one")

        driver = browser()
        driver.set_window_size(1280, 900)
        # The page and the API must be read between two cycles: retry until both reads agree.
        page_ok = False
        for _ in range(15):
            before = (get_json(port, "/api/portfolio"), latest_iv_ranks(db))
            driver.get(f"http://127.0.0.1:{port}/")
            equity_text = driver.find_element(By.CSS_SELECTOR, '[data-field="equity"]').get_attribute("data-value")
            open_text = driver.find_element(By.CSS_SELECTOR, '[data-field="open-positions"]').get_attribute(
                "data-value")
            ranks_on_page = {}
            for article in driver.find_elements(By.CSS_SELECTOR, "article[data-symbol]"):
                cells = article.find_elements(By.CSS_SELECTOR, '[data-field="iv-rank"]')
                value = cells[0].get_attribute("data-value") if cells else None
                ranks_on_page[article.get_attribute("data-symbol")] = value
            rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-position]")
            after = (get_json(port, "/api/portfolio"), latest_iv_ranks(db))
            if before == after:
                page_ok = True
                break
            time.sleep(0.5)
        check(page_ok, "page read between two cycles (API and store unchanged around the page load)")
        summary, ranks = after
        check(equity_text == f"{summary['equity']:.2f}", f"equity on the page {equity_text} == /api/portfolio {summary['equity']:.2f}")
        check(open_text == str(summary["openPositions"]),
              f"open positions on the page {open_text} == /api/portfolio {summary['openPositions']}")
        check(len(rows) == summary["openPositions"], f"open-positions table has {len(rows)} rows")
        for symbol in SYMBOLS:
            stored = ranks.get(symbol)
            shown = ranks_on_page.get(symbol)
            expected = None if stored is None else f"{stored:.1f}"
            check(shown == expected, f"{symbol} IV rank on the page {shown} == latest stored {expected}")

        source = driver.page_source
        check("<script" not in source, "no script: the page works with scripts off")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg[data-chart]")
        names = {c.get_attribute("data-chart") for c in charts}
        check(len(charts) >= 1 + 5 * len(SYMBOLS), f"{len(charts)} svg charts")
        for name in ["equity", "cycles"] + [f"{k}-{s}" for s in SYMBOLS for k in ("iv-rank", "iv-vix", "smile", "term")]:
            check(name in names, f"chart {name} is an svg")
        check(bool(driver.find_elements(By.CSS_SELECTOR, 'svg[data-chart="equity"] polyline')), "equity curve drawn")
        for table in ["cycles", "freshness"] + (["open-positions"] if summary["openPositions"] else []):
            check(bool(driver.find_elements(By.CSS_SELECTOR, f'table[data-table="{table}"] tbody tr')),
                  f"table {table} has rows")
        gateway = driver.find_element(By.CSS_SELECTOR, '[data-field="gateway"]').text
        check("connected" in gateway and "not connected" not in gateway, f"gateway state shown: {gateway[:60]}")

        os.makedirs(os.path.dirname(args.screenshot) or ".", exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(900, height), 16000))
        driver.save_screenshot(args.screenshot)
        print(f"screenshot: {args.screenshot} (1280 x {height})")
        # A phone: one column, nothing wider than the screen (wide tables scroll inside their box).
        driver.set_window_size(390, 844)
        driver.get(f"http://127.0.0.1:{port}/")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        check(overflow <= 1, f"no horizontal overflow at phone width ({overflow} px)")
        phone = os.path.join(os.path.dirname(args.screenshot) or ".", "dashboard-phone.png")
        driver.save_screenshot(phone)
    finally:
        if driver is not None:
            driver.quit()
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
        log.close()
    if failures:
        print(f"browser check: {len(failures)} failure(s); the run's log: {log.name}")
        with open(log.name, encoding="utf-8") as f:
            print("".join(f.readlines()[-30:]))
        return 1
    print("browser check: the dashboard carries the store's numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
