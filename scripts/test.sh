#!/usr/bin/env bash
# Run the whole suite against throwaway PostgreSQL and Redis servers on loopback: each gets its
# own data directory and a free port, and both are stopped (by PID file) whatever happens.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The whole suite (no arguments) starts with the dependency audit: a known vulnerability in a locked
# package fails `make test` before any test runs. See scripts/audit.py.
if [[ $# -eq 0 ]]; then
  "$root/.venv/bin/python" scripts/audit.py
fi

source scripts/servers.sh
# Tests need no durability: fsync off makes the suite several times faster.
start_servers test immediate "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

set +e
"$root/.venv/bin/python" -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests: refusing to call that a pass." >&2
fi
exit $rc
