#!/usr/bin/env bash
# Loads the dashboard of a running `papertrader run --simulator` in headless Chromium (Debian's
# chromium and chromium-driver), saves a screenshot to data/dashboard.png and checks that the charts
# and tables carry the store's numbers. Installs selenium from PyPI into scripts/browser-check/.venv
# on first use (test tooling only). Needs .build/debug/papertrader (scripts/test.sh builds it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check selenium==4.27.1
fi
cd "$here/../.."
exec "$venv/bin/python" "$here/dashboard_check.py" "$@"
