#!/usr/bin/env bash
# libFuzzer + AddressSanitizer on the TWS decoders, seeded with the real captured frames.
#   bash scripts/fuzz/libfuzzer.sh [RUNS] [SECONDS]     (defaults 10000000 runs, at most 1800 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-10000000}"; SECONDS_MAX="${2:-1800}"
CORPUS=data/fuzz-corpus
mkdir -p "$CORPUS"
# Seeds: each captured frame, length-prefixed, after a version byte (200 -> 43, 178 -> 21).
python3 - "$CORPUS" <<'PY'
import json, os, struct, sys
out = sys.argv[1]
for i, line in enumerate(open("../shared/fixtures/tws/frames.jsonl")):
    rec = json.loads(line)
    payload = rec["frame"].encode("latin-1")
    version = rec.get("server_version", 200)
    with open(os.path.join(out, f"seed-{i:03}"), "wb") as f:
        f.write(bytes([version - 157]) + struct.pack(">I", len(payload)) + payload)
PY
(cd fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
./fuzz/.build/debug/wire-fuzz "$CORPUS" -runs="$RUNS" -max_total_time="$SECONDS_MAX" -timeout=2 \
    -rss_limit_mb=512 -max_len=4096 -print_final_stats=1 -artifact_prefix=data/ 2>&1 | tail -25
