#!/usr/bin/env bash
# Runs the README's commands exactly as written (each must appear verbatim in README.md), so the
# set-up a newcomer follows cannot drift from what works. Long-running examples (gateway-sim, the
# 24-cycle day) are not run here; the set-up's `run` covers the same path.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.build/debug:$PATH"

fail() { echo "readme-commands: $*" >&2; exit 1; }

# Runs one README command; $1 is the set of exit codes it may end with.
check() {
    local allowed="$1" cmd="$2"
    grep -qF -- "$cmd" README.md || fail "not in README.md (update both): $cmd"
    echo "== \$ $cmd"
    set +e
    bash -c "$cmd" > /tmp/readme-cmd.out 2> /tmp/readme-cmd.err
    local rc=$?
    set -e
    tail -n 25 /tmp/readme-cmd.out
    [[ " $allowed " == *" $rc "* ]] || { cat /tmp/readme-cmd.err >&2; fail "exit $rc (allowed: $allowed): $cmd"; }
}

rm -f data/simulator.sqlite data/simulator.sqlite-*
check "0" "swift run papertrader run --simulator --config config/simulator.yaml --cycles 6 --clock-speed 20"
grep -q "^cycle #6 " /tmp/readme-cmd.out || fail "run did not print six cycles"
grep -q "^portfolio: " /tmp/readme-cmd.out || fail "run did not print the portfolio"
check "0" "swift run papertrader report --config config/simulator.yaml"
check "0" "swift run papertrader store stats --config config/simulator.yaml"
check "0 1" "papertrader collect-once --simulator --config config/simulator.yaml --symbols SPY,IWM --json"
python3 -c 'import json,sys; d=json.load(open("/tmp/readme-cmd.out")); assert {s["symbol"] for s in d["symbols"]} == {"SPY","IWM"}'
# No gateway listens in CI: health must say "down" (exit 2) in one JSON document, not crash.
check "0 1 2" "papertrader health --json"
python3 -c 'import json; d=json.load(open("/tmp/readme-cmd.out")); assert d["status"] in ("ok","degraded","down"), d'
check "0" "papertrader config check"
check "0" "papertrader --version"
check "0" "papertrader kill-switch on"
grep -q "kill switch ON" /tmp/readme-cmd.out || fail "kill switch did not turn on"
check "0" "papertrader kill-switch off"
grep -q "kill switch off" /tmp/readme-cmd.out || fail "kill switch did not turn off"

echo "== docs/configuration.md matches 'papertrader config reference'"
diff <(papertrader config reference) <(sed -n '/^| key |/,$p' docs/configuration.md) || fail "docs/configuration.md is stale: regenerate it"
echo "readme-commands: all README commands ran as written"
