#!/usr/bin/env bash
# The HTTP endpoint under a descriptor flood (issue 22): `papertrader run --simulator` under
# `prlimit --nofile=1024`, 2,000 idle sockets (a tenth of them sending half a request) held for
# HOLD seconds, then closed. Passes when `run` is still alive, kept collecting while they were held,
# and /health answers afterwards. Prints the numbers for the README's Reliability table.
#   BIN=.build/debug/papertrader bash scripts/reliability/http-flood.sh [SOCKETS] [HOLD]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/debug/papertrader}
SOCKETS=${1:-2000}
HOLD=${2:-20}
PORT=${HTTP_PORT:-18081}
DIR=$(mktemp -d /tmp/http-flood.XXXXXX)
cat > "$DIR/run.yaml" <<YAML
collection:
  symbols: [IWM]
  interval_seconds: 60
  dte_min: 30
  dte_max: 60
  max_expiries: 1
  strike_range_pct: 0.05
  open_interest: off
  hours:
    start: "00:00"
    end: "23:59"
    weekdays_only: false
storage:
  path: $DIR/db.sqlite
risk:
  kill_switch_file: $DIR/KILL
http:
  port: $PORT
YAML
prlimit --nofile=1024 "$BIN" run --simulator --config "$DIR/run.yaml" --clock-speed 60 > "$DIR/run.log" 2>&1 &
PID=$!
fail() { echo "http-flood: FAIL: $*"; tail -20 "$DIR/run.log"; kill "$PID" 2>/dev/null || true; exit 1; }
# Wait (bounded) for the endpoint: an external process, so a deadline, not an event.
for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && break
    kill -0 "$PID" 2>/dev/null || fail "run exited before serving"
    sleep 0.1
done
cycles() { grep -c '^cycle #' "$DIR/run.log" || true; }
BEFORE=$(cycles)
RESULT=$(python3 scripts/reliability/http_flood.py 127.0.0.1 "$PORT" "$SOCKETS" "$HOLD" "$PID")
AFTER=$(cycles)
kill -0 "$PID" 2>/dev/null || fail "run died under the flood (exit $(wait $PID; echo $?)): $RESULT"
FDS=$(ls /proc/$PID/fd | wc -l)
kill -TERM "$PID"
wait "$PID" && RC=0 || RC=$?
echo "$RESULT"
echo "cycles during the flood: $((AFTER - BEFORE)); descriptors after: $FDS; exit after SIGTERM: $RC"
python3 - "$RESULT" <<'PY' || fail "health did not answer after the flood"
import json, sys
r = json.loads(sys.argv[1])
assert all(h["ok"] for h in r["health_after"]), r
PY
python3 - "$RESULT" <<'PY' || fail "the endpoint let the flood take the process's descriptors"
import json, sys
r = json.loads(sys.argv[1])
assert r["server_descriptors_peak"] < 512, r["server_descriptors_peak"]
PY
python3 - "$RESULT" <<'PY' || fail "/health waited on cycles (p99 over 0.5 s)"
import json, sys
r = json.loads(sys.argv[1])
assert r["health_p99_seconds"] < 0.5, r
PY
[[ $((AFTER - BEFORE)) -ge 1 ]] || fail "no cycle completed while the sockets were held"
[[ $RC -eq 0 ]] || fail "run did not stop cleanly (exit $RC)"
echo "http-flood: ok"
rm -rf "$DIR"
