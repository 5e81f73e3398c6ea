#!/usr/bin/env bash
# Heap allocations per decoded message. An LD_PRELOAD counter (malloc_count.c) counts every
# allocation of two runs that differ only in the number of decode passes over the same stream; the
# difference divided by the extra messages decoded is the per-message cost of framing + decoding.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/papertrader
[ -x "$bin" ] || swift build -c release --product papertrader
shim=$(mktemp -d)/malloc_count.so
cc -O2 -shared -fPIC -o "$shim" scripts/bench/malloc_count.c -ldl
n=${1:-200000}
count() { LD_PRELOAD="$shim" "$bin" bench wire --messages "$n" --passes "$1" 2>&1 >/dev/null | sed -n 's/^malloc_count: //p' | tail -1; }
one=$(count 1)
three=$(count 3)
echo "messages per pass: $n"
echo "heap allocations: 1 pass $one, 3 passes $three"
awk -v a="$one" -v b="$three" -v n="$n" 'BEGIN { printf "allocations per decoded message: %.3f\n", (b - a) / (2 * n) }'
