# Sourced by scripts/test.sh and scripts/bench.sh: start throwaway PostgreSQL and Redis servers on
# loopback (own data directory, free ports), export DATABASE_URL and REDIS_URL, and stop both by
# their PID files whatever happens.
#   start_servers NAME PG_STOP_MODE "PG_SETTINGS"
# NAME names the temporary directory and the cache prefix; PG_STOP_MODE is pg_ctl's -m.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is not installed: run scripts/bootstrap.sh --test" >&2; exit 1; }

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_servers() {
  local name=$1 settings=$3
  pg_stop_mode=$2
  work=$(mktemp -d "/tmp/motcua-$name.XXXXXX")
  pg_data="$work/pg"
  as_pg=()
  if [[ $(id -u) -eq 0 ]]; then
    # initdb refuses to run as root: the cluster belongs to the postgres system user.
    chown postgres "$work"
    as_pg=(runuser -u postgres --)
  fi
  trap stop_servers EXIT INT TERM

  pg_port=$(free_port)
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U motcua --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $pg_port -k $work $settings" start >/dev/null

  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
    --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
  for _ in $(seq 50); do [[ -f "$work/redis.pid" ]] && break; sleep 0.1; done

  export DATABASE_URL="postgres://motcua@127.0.0.1:$pg_port/motcua"
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  export CACHE_KEY_PREFIX="motcua-$name"
  echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"
}

stop_servers() {
  local rc=$?
  if [[ -f "$work/redis.pid" ]]; then kill "$(cat "$work/redis.pid")" 2>/dev/null || true; fi
  if [[ -f "$pg_data/postmaster.pid" ]]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m "$pg_stop_mode" stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
