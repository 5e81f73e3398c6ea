#!/usr/bin/env bash
# The project's test command: build once, run the Swift tests, then check our decoder against the
# official decoder's readings of real captured frames.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests

echo "== architecture: imports follow DESIGN.md's module table, no Sources file over 600 lines"
bash scripts/check-architecture.sh

# On failure, repeat the failing tests' lines at the end so they survive a truncated CI log.
if ! swift test --skip-build 2>&1 | tee data/swift-test.log; then
    echo "== failing tests (from data/swift-test.log)"
    grep -E "✘|recorded an issue|error:" data/swift-test.log | grep -v "^✘ Test run" | head -40
    exit 1
fi

echo "== wire decode vs IB's official decoder (../shared/fixtures/tws/check_decoder.py)"
python3 ../shared/fixtures/tws/check_decoder.py -- .build/debug/papertrader wire decode

echo "== peer checks: IB's official client and ib_async against the gateway simulator"
bash scripts/peer-check/run.sh

echo "== monitoring: promtool on a /metrics scrape, the Grafana dashboard's metrics, the scrape config"
bash scripts/metrics-check.sh

echo "== the dashboard in headless Chromium (screenshot: data/dashboard.png)"
bash scripts/browser-check/run.sh

echo "== the README's commands, exactly as written"
bash scripts/readme-commands.sh

echo "== short versions of the proof scripts (smoke, not timing assertions)"
.build/debug/papertrader bench fuzz --iterations 200000 --configs 2000
.build/debug/papertrader bench wire --messages 20000 --passes 1
.build/debug/papertrader bench wire --messages 20000 --write-stream data/bench-stream.bin
scripts/peer-check/.venv/bin/python scripts/bench/decode_peers.py data/bench-stream.bin --limit 20000
.build/debug/papertrader bench store --cycles 2 --contracts 200
.build/debug/papertrader bench snapshots --count 50
rm -f data/bench-dashboard-smoke.sqlite data/bench-dashboard-smoke.sqlite-*
.build/debug/papertrader bench dashboard --db data/bench-dashboard-smoke.sqlite --days 10 --positions 20 --runs 3
scripts/peer-check/.venv/bin/python scripts/bench/chain_peers.py --symbols IWM
# libFuzzer + AddressSanitizer on the decoders (short run; the 10M run is in the README).
bash scripts/fuzz/libfuzzer.sh 20000 120
