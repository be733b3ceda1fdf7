#!/usr/bin/env bash
# Local PostgreSQL and Redis servers on 127.0.0.1 with free ports, data under $KATHELFER_STATE.
# Real servers from Debian's packages (installed with apt-get when missing), never in-memory
# substitutes.
#
#   hack/datastores.sh up       start (or reuse) both; prints the env file with DATABASE_URL, REDIS_URL
#   hack/datastores.sh down     stop the servers this script started (by pid); keeps their data
#   hack/datastores.sh purge    down, then remove their data
#   hack/datastores.sh status   exit 0 when both answer
#   hack/datastores.sh env      print the shell exports
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

dir="$KATHELFER_STATE/datastores"
envfile="$dir/env"
pg_data="$dir/postgres"
redis_data="$dir/redis"
db_user=kathelfer db_password=kathelfer db_name=kathelfer

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && echo "$d"; done | sort -V | tail -n1
}

ensure_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  log "installing ${missing[*]} from Debian's packages"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# PostgreSQL refuses to run as root: as root, run it as the unprivileged "postgres" user.
as_pg_cmd=()
[ "$(id -u)" = 0 ] && as_pg_cmd=(runuser -u postgres --)
as_pg() { "${as_pg_cmd[@]}" "$@"; }

pg_ready() { [ -f "$envfile" ] && source "$envfile" && "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; }
redis_ready() { [ -f "$envfile" ] && source "$envfile" && [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
running() {
  local b; b=$(pg_bin) && pid_alive "$dir/postgres.pid" "$b/postgres" && pid_alive "$dir/redis.pid" redis-server && pg_ready && redis_ready
}

up() {
  if running; then log "PostgreSQL and Redis already running"; echo "$envfile"; return 0; fi
  down_quiet
  ensure_packages
  local b pg_port redis_port; b=$(pg_bin)
  mkdir -p "$dir/logs" "$redis_data"
  # the postgres user must be able to pass through to its data directory (traverse only)
  [ "$(id -u)" = 0 ] && chmod o+x "$KATHELFER_STATE" "$dir"
  pg_port=$(free_port); redis_port=$(free_port)
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $pg_data"
    mkdir -p "$pg_data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_data" "$dir/logs"
    chmod 700 "$pg_data"
    local pw; pw=$(mktemp); echo "$db_password" >"$pw"; chmod 644 "$pw"
    as_pg "$b/initdb" -D "$pg_data" -U "$db_user" --pwfile="$pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw"
  fi
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/logs"
  # Durability stays at PostgreSQL's defaults (fsync, synchronous_commit on): an acknowledged
  # write must survive a restart. Sockets only on loopback TCP, none in /var/run.
  start_bg postgres "$dir/postgres.pid" "$dir/logs/postgres.log" "${as_pg_cmd[@]}" "$b/postgres" -D "$pg_data" \
    -c listen_addresses=127.0.0.1 -c port="$pg_port" -c unix_socket_directories= \
    -c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning
  # start_bg recorded runuser's pid (as root); the server's own pid is in postmaster.pid.
  printf 'PGPORT=%s\nREDIS_PORT=%s\nDATABASE_URL=postgres://%s:%s@127.0.0.1:%s/%s\nREDIS_URL=redis://127.0.0.1:%s\n' \
    "$pg_port" "$redis_port" "$db_user" "$db_password" "$pg_port" "$db_name" "$redis_port" >"$envfile"
  wait_for PostgreSQL 60 "$b/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || fail_up postgres
  head -n1 "$pg_data/postmaster.pid" >"$dir/postgres.pid"
  if ! PGPASSWORD=$db_password "$b/psql" -qtA -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d postgres \
      -c "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1; then
    PGPASSWORD=$db_password "$b/psql" -q -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d postgres -c "CREATE DATABASE $db_name" >/dev/null
  fi

  # appendfsync always: an event that Redis acknowledged is on disk before the outbox marks it sent.
  start_bg redis "$dir/redis.pid" "$dir/logs/redis.log" redis-server --bind 127.0.0.1 --port "$redis_port" \
    --dir "$redis_data" --appendonly yes --appendfsync always --save "" --protected-mode yes --daemonize no
  wait_for Redis 30 redis_ready || fail_up redis
  echo "$envfile"
}

down_quiet() {
  local b; b=$(pg_bin) || true
  stop_pid redis "$dir/redis.pid" redis-server
  # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
  [ -n "$b" ] && stop_pid postgres "$dir/postgres.pid" "$b/postgres" INT
  return 0
}

case "${1:-}" in
  up) up ;;
  down) down_quiet; log "PostgreSQL and Redis stopped (data kept in $dir; 'purge' removes it)" ;;
  purge) down_quiet; rm -rf "$dir"; log "PostgreSQL and Redis stopped and their data removed" ;;
  status) if running; then echo "running: $envfile"; else echo "not running"; exit 1; fi ;;
  env) running || die "PostgreSQL and Redis are not running; run: hack/datastores.sh up"; sed 's/^/export /' "$envfile" ;;
  *) echo "usage: $0 up|down|purge|status|env" >&2; exit 2 ;;
esac
