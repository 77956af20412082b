#!/usr/bin/env bash
# The province-scale benchmark (issue 7) on throwaway PostgreSQL and Redis servers on loopback,
# like scripts/test.sh: each gets its own data directory and a free port, the database is migrated
# fresh, `manage.py bench` generates the data and measures, and both servers are stopped (by PID
# file) whatever happens. Extra arguments go to the command, e.g.
#   scripts/bench.sh --size 200000 --runs 3
# Unlike the tests, PostgreSQL keeps its durable defaults (fsync, synchronous_commit, full-page
# writes): intake is measured as production would commit. Memory settings are those of a small
# 2-core server; they are printed into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/servers.sh

# A small server's settings: 512 MB of shared buffers, room for the bulk load's checkpoints.
PG_SETTINGS=${BENCH_PG_SETTINGS:-"-c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=512MB \
-c effective_cache_size=4GB -c random_page_cost=1.1 -c max_wal_size=8GB -c checkpoint_timeout=30min \
-c max_connections=60"}

start_servers bench fast "$PG_SETTINGS"

# Production's request path (cached templates, no query log), over plain HTTP for the test client.
export DEBUG=0 HTTPS=0

"${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U motcua motcua
"$root/.venv/bin/python" manage.py migrate --noinput -v 0
"$root/.venv/bin/python" manage.py bench "$@"
