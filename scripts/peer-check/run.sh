#!/usr/bin/env bash
# Runs IB's official Python client (ibapi, v200) and ib_async (v178) against the gateway simulator.
# Installs both from PyPI into scripts/peer-check/.venv on first use (test tooling only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check ibapi-latest==10.51.1 ib_async==2.1.0
fi
cd "$here"
status=0
"$venv/bin/python" ibapi_check.py || status=1
"$venv/bin/python" ib_async_check.py || status=1
exit $status
