#!/usr/bin/env bash
# Soak: `run --simulator` for many cycles, sampling resident memory, open file descriptors and the
# database size every INTERVAL seconds. Prints a CSV and a summary.
#   bash scripts/soak/soak.sh [CYCLES] [CLOCK_SPEED] [INTERVAL]      (defaults 400 120 15)
# Five trading days at 60x (Monday 09:30 to Friday 16:00 simulated, 6150 s real), as in the README:
#   BIN=.build/release/papertrader OUT=data/soak-5d SIM_START=2026-11-16T09:30:00-05:00 DURATION=6150 \
#       bash scripts/soak/soak.sh 100000 60 15
set -euo pipefail
cd "$(dirname "$0")/../.."
CYCLES="${1:-400}"; SPEED="${2:-120}"; INTERVAL="${3:-15}"
# The binary under test (default: the debug build the tests use; BIN=.build/release/papertrader for release).
BIN="${BIN:-.build/debug/papertrader}"
OUT="${OUT:-data/soak}"
# HTTP_PORT: the run's HTTP endpoint (default 18181), so that two soaks can run side by side.
mkdir -p "$OUT"
rm -f "$OUT"/soak.sqlite*
PAPERTRADER_STORAGE_PATH="$OUT/soak.sqlite" PAPERTRADER_HTTP_PORT="${HTTP_PORT:-18181}" PAPERTRADER_LOGGING_LEVEL=warning \
    "$BIN" run --simulator --config config/simulator.yaml --cycles "$CYCLES" --clock-speed "$SPEED" \
    ${SIM_START:+--sim-start "$SIM_START"} > "$OUT/run.log" 2>&1 &
PID=$!
# DURATION (seconds): stop the run with SIGTERM then, as an operator would.
if [ -n "${DURATION:-}" ]; then (sleep "$DURATION"; kill -TERM "$PID" 2>/dev/null) & fi
# rss = anon (heap, stacks) + file (mapped code and data of the binary and its libraries); db_bytes is the
# main database file (the WAL beside it is checkpointed into it every ~4 MB and not counted).
echo "elapsed_s,rss_kb,anon_kb,file_kb,fds,db_bytes,cycles" > "$OUT/samples.csv"
START=$(date +%s)
while kill -0 "$PID" 2>/dev/null; do
    RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0)
    ANON=$(awk '/RssAnon/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0)
    FILE=$(awk '/RssFile/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0)
    FDS=$(ls /proc/$PID/fd 2>/dev/null | wc -l)
    DB=$(stat -c %s "$OUT/soak.sqlite" 2>/dev/null || echo 0)
    CYC=$(grep -c "^cycle #" "$OUT/run.log" || true)
    echo "$(( $(date +%s) - START )),$RSS,$ANON,$FILE,$FDS,$DB,$CYC" >> "$OUT/samples.csv"
    sleep "$INTERVAL"
done
wait "$PID" || { echo "run exited with $?"; tail -20 "$OUT/run.log"; exit 1; }
python3 - "$OUT/samples.csv" "$SPEED" <<'PY'
import csv, sys
# From the first cycle on: the samples before it are the process starting.
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["cycles"]) > 0 and int(r["rss_kb"]) > 0]
if not rows:
    sys.exit("no sample after the first cycle: run longer (DURATION) or sample more often (INTERVAL)")
mib = lambda kb: kb / 1024
col = lambda rs, k: [int(r[k]) for r in rs]
print(f"samples {len(rows)}, cycles {rows[-1]['cycles']}, elapsed {rows[-1]['elapsed_s']} s")
# One line per simulated day: the peak (mid-cycle) and the last sample (between cycles or overnight).
day_s = 86400 / float(sys.argv[2])
for d in range(int(int(rows[-1]["elapsed_s"]) // day_s) + 1):
    rs = [r for r in rows if d * day_s <= int(r["elapsed_s"]) < (d + 1) * day_s]
    if rs:
        print(f"day {d + 1}: rss max {mib(max(col(rs, 'rss_kb'))):.1f} MiB; anon max {mib(max(col(rs, 'anon_kb'))):.1f}, "
              f"end {mib(int(rs[-1]['anon_kb'])):.1f} MiB; file-backed max {mib(max(col(rs, 'file_kb'))):.1f} MiB; "
              f"fds max {max(col(rs, 'fds'))}; db {int(rs[-1]['db_bytes']) / 1e6:.1f} MB after {rs[-1]['cycles']} cycles")
print(f"overall: rss max {mib(max(col(rows, 'rss_kb'))):.1f} MiB, anon max {mib(max(col(rows, 'anon_kb'))):.1f} MiB, "
      f"fds {min(col(rows, 'fds'))}-{max(col(rows, 'fds'))}, db {int(rows[-1]['db_bytes']) / 1e6:.1f} MB "
      f"({int(rows[-1]['db_bytes']) / int(rows[-1]['cycles']) / 1e3:.0f} kB per cycle)")
PY
