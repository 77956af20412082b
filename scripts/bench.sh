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

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

work=$(mktemp -d /tmp/motcua-bench.XXXXXX)
pg_data="$work/pg"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  local rc=$?
  if [[ -f "$work/redis.pid" ]]; then kill "$(cat "$work/redis.pid")" 2>/dev/null || true; fi
  if [[ -f "$pg_data/postmaster.pid" ]]; then "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

# A small server's settings: 512 MB of shared buffers, room for the bulk load's checkpoints.
PG_SETTINGS=${BENCH_PG_SETTINGS:-"-c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=512MB \
-c effective_cache_size=4GB -c random_page_cost=1.1 -c max_wal_size=8GB -c checkpoint_timeout=30min \
-c max_connections=60"}

pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U motcua --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $work $PG_SETTINGS" start >/dev/null

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
  --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 50); do [[ -f "$work/redis.pid" ]] && break; sleep 0.1; done

export DATABASE_URL="postgres://motcua@127.0.0.1:$pg_port/motcua"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CACHE_KEY_PREFIX="motcua-bench"
# Production's request path (cached templates, no query log), over plain HTTP for the test client.
export DEBUG=0 HTTPS=0
echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"

"${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U motcua motcua
"$root/.venv/bin/python" manage.py migrate --noinput -v 0
"$root/.venv/bin/python" manage.py bench "$@"
