#!/usr/bin/env bash
# The project's test command: build once, run Swift tests, then the peer checks against real IB clients.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
swift test --skip-build
