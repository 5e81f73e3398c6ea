#!/usr/bin/env bash
# Architecture check (issue 15): every file under Sources/<Target>/ imports only the modules its row of
# DESIGN.md's module table allows, and no Sources file passes 600 lines.
#
# Known exceptions live in scripts/architecture-exceptions.txt, one "path: reason" per line (a path,
# or "path:Module" to excuse one import only). They are printed as KNOWN and do not fail the check;
# anything else fails it with exit 1, naming file, line and module. An exception that no longer
# matches anything is reported as STALE (and fails), so the list can only shrink.
#
# Usage: scripts/check-architecture.sh            (from anywhere; it checks the repository it lives in)
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_LINES=600
EXCEPTIONS_FILE="scripts/architecture-exceptions.txt"

# System libraries every target may use, except where a row says otherwise (TWSWire: no Foundation).
SYSTEM_MODULES="Foundation FoundationNetworking FoundationEssentials Dispatch Glibc Darwin Musl Synchronization"

# The module table of ../shared/DESIGN.md, one target per line: "Target: project modules | third-party
# modules". Project modules come from the DESIGN.md row; third-party modules are the ones Package.swift
# gives that target. Keep this in step with both. `Tools` (benchmarks, fuzz drivers, the wire-capture
# decoder) is the own target DESIGN.md gives benchmarks and fuzz drivers; only the CLI's `bench` and
# `wire` commands call it. The executable imports Metrics only to bootstrap the process's factory.
TABLE=$(
    cat <<'EOF'
OptionsModel: | 
TWSWire: | NIOCore
TWSClient: TWSWire OptionsModel | NIOCore NIOPosix Logging Metrics
GatewaySimulator: TWSWire OptionsModel | NIOCore NIOPosix Logging
PolygonClient: OptionsModel | Logging
SnapshotStore: OptionsModel | GRDB GRDBSQLite PostgresNIO Logging
MarketData: TWSClient PolygonClient SnapshotStore OptionsModel | Logging Metrics
Trading: OptionsModel MarketData SnapshotStore | Logging
Replay: Trading SnapshotStore OptionsModel | Logging
AppConfig: OptionsModel TWSClient PolygonClient SnapshotStore MarketData Trading | Yams
Orchestrator: OptionsModel TWSClient GatewaySimulator PolygonClient SnapshotStore MarketData Trading Replay AppConfig | NIOCore NIOPosix NIOHTTPTypes HTTPTypes Hummingbird HummingbirdCore Logging Metrics Prometheus ServiceLifecycle UnixSignals
Tools: OptionsModel TWSWire TWSClient GatewaySimulator SnapshotStore AppConfig | NIOCore
papertrader: Orchestrator AppConfig GatewaySimulator Tools | ArgumentParser Logging Metrics NIOCore NIOPosix
TestSupport: * | *
EOF
)

python3 - "$MAX_LINES" "$EXCEPTIONS_FILE" "$SYSTEM_MODULES" "$TABLE" <<'PY'
import os
import re
import sys

max_lines = int(sys.argv[1])
exceptions_file = sys.argv[2]
system_modules = set(sys.argv[3].split())
table = {}
for row in sys.argv[4].splitlines():
    target, rest = row.split(":", 1)
    project, third_party = rest.split("|")
    table[target.strip()] = set(project.split()) | set(third_party.split())

# TWSWire is the pure codec: the C library for number parsing, never Foundation.
no_foundation = {"TWSWire"}

exceptions = {}
if os.path.exists(exceptions_file):
    with open(exceptions_file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, reason = line.partition(": ")
            if not sep or not reason.strip():
                print(f"{exceptions_file}:{number}: expected 'path: reason' or 'path:Module: reason'")
                sys.exit(1)
            exceptions[key.strip()] = reason.strip()

import_re = re.compile(
    r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|package|internal|private|fileprivate)\s+)?"
    r"import\s+(?:(?:struct|class|enum|protocol|typealias|func|var|let|actor)\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)"
)

violations = []
known = []
used = set()

def check(key_candidates, message):
    for key in key_candidates:
        if key in exceptions:
            used.add(key)
            known.append(f"KNOWN {message} ({exceptions[key]})")
            return
    violations.append(message)

for root, dirs, files in os.walk("Sources"):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(".swift"):
            continue
        path = os.path.join(root, name)
        target = path.split(os.sep)[1]
        if target not in table:
            violations.append(f"{path}: target {target} has no row in the module table of this script")
            continue
        allowed = table[target]
        with open(path, encoding="utf-8") as handle:
            lines = handle.readlines()
        if "*" not in allowed:
            for number, text in enumerate(lines, 1):
                match = import_re.match(text)
                if not match:
                    continue
                module = match.group(1)
                if module in allowed:
                    continue
                if module in system_modules and not (target in no_foundation and module.startswith("Foundation")):
                    continue
                check(
                    [f"{path}:{module}", path],
                    f"{path}:{number}: {target} imports {module}, which its DESIGN.md row does not allow",
                )
        if len(lines) > max_lines:
            check([f"{path}:lines", path], f"{path}: {len(lines)} lines, more than {max_lines}")

for message in known:
    print(message)
stale = sorted(set(exceptions) - used)
for key in stale:
    violations.append(f"{exceptions_file}: STALE exception '{key}' matches nothing; remove it")
for message in violations:
    print(f"VIOLATION {message}")
if violations:
    print(f"architecture check failed: {len(violations)} violation(s), {len(known)} known exception(s)")
    sys.exit(1)
print(f"architecture check passed ({len(known)} known exception(s) in {exceptions_file})")
PY
