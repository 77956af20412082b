#!/usr/bin/env bash
# Run the whole suite against throwaway PostgreSQL and Redis servers on loopback: each gets its
# own data directory and a free port, and both are stopped (by PID file) whatever happens.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

work=$(mktemp -d /tmp/motcua-test.XXXXXX)
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
  if [[ -f "$pg_data/postmaster.pid" ]]; then "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U motcua --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
  --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 50); do [[ -f "$work/redis.pid" ]] && break; sleep 0.1; done

export DATABASE_URL="postgres://motcua@127.0.0.1:$pg_port/motcua"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CACHE_KEY_PREFIX="motcua-test"
echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"

set +e
"$root/.venv/bin/python" -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests: refusing to call that a pass." >&2
fi
exit $rc
