#!/usr/bin/env bash
# Monitoring check: start `papertrader run --simulator` briefly on a free port with its own store,
# scrape /metrics after the first collection cycle, then
#   1. `promtool check metrics` on the scrape (names, HELP/TYPE lines, histogram and counter rules),
#   2. every metric name a query of ops/grafana/papertrader.json uses appears in the scrape, and
#      the queries parse as PromQL (`promtool check rules` on them as recording rules),
#   3. `promtool check config ops/prometheus/prometheus.yml`.
# promtool comes with Debian's `prometheus` package (.ci/run installs it). The scrape is kept as
# data/metrics-scrape.txt.
#
# Usage: scripts/metrics-check.sh   (after `swift build`; uses .build/debug/papertrader)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/debug/papertrader
command -v promtool >/dev/null || { echo "promtool not found: apt-get install prometheus" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN not found: run swift build first" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# One alert receiver on a closed local port, so that the alert service (and its counters) runs too;
# its deliveries fail, which is what papertrader_alerts_failed_total is for.
cat >"$work/config.yaml" <<EOF
collection:
  symbols: [IWM]
  max_expiries: 0
  strike_range_pct: 0.05
  open_interest: off
storage:
  path: $work/metrics.sqlite
risk:
  kill_switch_file: $work/KILL
http:
  port: $port
alerts:
  webhooks:
    - url: http://127.0.0.1:9/metrics-check
      format: json
EOF

"$BIN" run --simulator --config "$work/config.yaml" --clock-speed 60 >"$work/run.log" 2>&1 &
pid=$!

# Wait (up to 120 s) for the first finished cycle: a papertrader_cycles_total sample in the scrape.
mkdir -p data
scrape=data/metrics-scrape.txt
for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "papertrader run exited early:" >&2
        tail -30 "$work/run.log" >&2
        exit 1
    fi
    if curl -fsS "http://127.0.0.1:$port/metrics" -o "$scrape" 2>/dev/null \
        && grep -q '^papertrader_cycles_total{' "$scrape"; then
        break
    fi
    sleep 0.5
done
grep -q '^papertrader_cycles_total{' "$scrape" || {
    echo "no finished cycle in /metrics after 120 s" >&2
    tail -30 "$work/run.log" >&2
    exit 1
}
echo "scraped $(grep -vc '^#' "$scrape") samples from 127.0.0.1:$port/metrics after the first cycle"

echo "== promtool check metrics"
promtool check metrics <"$scrape"

echo "== every metric the Grafana dashboard queries is in the scrape"
python3 - ops/grafana/papertrader.json "$scrape" "$work/panel-queries.yml" <<'PY'
import json
import re
import sys

dashboard = json.load(open(sys.argv[1]))
scraped = set()
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        scraped.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))

# PromQL words that are not metric names: functions, aggregations, keywords.
words = {
    "rate", "irate", "increase", "sum", "avg", "max", "min", "count", "by", "without", "histogram_quantile",
    "le", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "topk", "bottomk", "delta",
    "deriv", "clamp_min", "clamp_max", "abs", "vector", "scalar", "time", "changes", "resets", "offset",
    "max_over_time", "min_over_time", "avg_over_time", "label_replace", "sort_desc", "sort",
}

def targets(panels):
    for p in panels:
        yield from targets(p.get("panels", []))
        for t in p.get("targets", []):
            yield p.get("title", "?"), t.get("expr", "")

queries = list(targets(dashboard["panels"]))
# The template variables' label_values(metric, label) queries use metrics too.
for v in dashboard.get("templating", {}).get("list", []):
    if v.get("type") == "query":
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.match(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)", q)
        if m:
            queries.append((f"variable {v['name']}", m.group(1)))

missing = []
checked = 0
for title, expr in queries:
    # Drop label matchers, ranges, strings and grouping clauses (label names, not metrics).
    text = re.sub(r'\{[^}]*\}|\[[^\]]*\]|"[^"]*"', " ", expr)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    for name in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        if name in words or name.startswith("$"):
            continue
        checked += 1
        if name not in scraped:
            missing.append(f"{title}: {name}")
if missing:
    print("metrics the dashboard queries but /metrics does not export:", *missing, sep="\n  ")
    sys.exit(1)
print(f"{checked} metric references in {len(queries)} queries, all exported")

# The panels' PromQL, with Grafana's variables filled in, as recording rules for `promtool check rules`.
with open(sys.argv[3], "w") as rules:
    rules.write("groups:\n  - name: grafana_panels\n    rules:\n")
    for i, (title, expr) in enumerate(targets(dashboard["panels"])):
        expr = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        rules.write(f"      - record: grafana_panel_query_{i}\n        expr: {json.dumps(expr)}\n")
PY

echo "== the dashboard's PromQL parses (promtool check rules)"
promtool check rules "$work/panel-queries.yml"

echo "== promtool check config ops/prometheus/prometheus.yml"
promtool check config ops/prometheus/prometheus.yml

echo "metrics check passed"
