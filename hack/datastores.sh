#!/usr/bin/env bash
# Local PostgreSQL and Redis servers on 127.0.0.1 with free ports, data under $KATHELFER_STATE.
# Real servers from Debian's packages (installed with apt-get when missing), never in-memory
# substitutes.
#
#   hack/datastores.sh up       start what is not running, on the ports recorded by the first up (a
#                               live server is left alone); prints the env file with DATABASE_URL, REDIS_URL
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
pg_alive() { local b; b=$(pg_bin) && pid_alive "$dir/postgres.pid" "$b/postgres" && pg_ready; }
redis_alive() { pid_alive "$dir/redis.pid" redis-server && redis_ready; }
running() { pg_alive && redis_alive; }

# port_for NAME: the port NAME (PGPORT, REDIS_PORT) recorded by an earlier `up`, so clients keep
# their URLs; a new free one when none is recorded or another process has taken it meanwhile.
port_for() {
  local port=""
  [ -f "$envfile" ] && port=$(sed -n "s/^$1=//p" "$envfile")
  if [ -n "$port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port ($1) is taken by another process; using a new one"
    port=""
  fi
  [ -n "$port" ] || port=$(free_port)
  echo "$port"
}

# fail_one NAME: one server did not come up; show the end of its log and exit, leaving the other
# alone (a live server keeps its clients).
fail_one() {
  log "$1 did not come up; the end of its log ($dir/logs/$1.log):"
  tail -n 30 "$dir/logs/$1.log" >&2 || true
  exit 1
}

# The addresses the servers listen on: loopback, plus the real node's bridge when it exists, so
# that pods reach them through selector-less Services (hack/node.sh expose-datastores).
listen_addresses() {
  local bridge; bridge=$(bash "$here/node.sh" bridge-address 2>/dev/null) || bridge=""
  echo "127.0.0.1${bridge:+ $bridge}"
}

start_postgres() {
  local b=$1 port=$2 attempt addresses
  addresses=$(listen_addresses)
  if [ "$addresses" != 127.0.0.1 ] && ! grep -q "^host all all ${addresses#* }/24 " "$pg_data/pg_hba.conf"; then
    echo "host all all ${addresses#* }/24 scram-sha-256 # pods on the real node (hack/node.sh)" >>"$pg_data/pg_hba.conf"
  fi
  # A postmaster killed with -9 leaves its backends for a moment, and they hold its shared memory:
  # a new postmaster refuses to start until they noticed and exited, so it is tried a few times.
  for attempt in 1 2 3 4 5; do
    stop_pid postgres "$dir/postgres.pid" "$b/postgres" INT
    start_bg postgres "$dir/postgres.pid" "$dir/logs/postgres.log" "${as_pg_cmd[@]}" "$b/postgres" -D "$pg_data" \
      -c listen_addresses="${addresses// /,}" -c port="$port" -c unix_socket_directories= \
      -c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning
    local deadline=$(( $(date +%s) + 30 ))
    while pid_alive "$dir/postgres.pid" postgres && [ "$(date +%s)" -lt "$deadline" ]; do
      if "$b/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
        # start_bg recorded runuser's pid (as root); the server's own pid is in postmaster.pid.
        head -n1 "$pg_data/postmaster.pid" >"$dir/postgres.pid"
        log "PostgreSQL is ready on port $port"
        return 0
      fi
      sleep 0.2
    done
    log "PostgreSQL did not start on port $port (attempt $attempt)"
    sleep 1
  done
  fail_one postgres
}

start_redis() {
  local port=$1
  stop_pid redis "$dir/redis.pid" redis-server
  # appendfsync always: an event that Redis acknowledged is on disk before the outbox marks it sent.
  # protected mode refuses clients from outside loopback when there is no password; the bridge
  # address is reached only from this machine's own pods (hack/node.sh isolates the bridge)
  local addresses protected=yes; addresses=$(listen_addresses)
  [ "$addresses" = 127.0.0.1 ] || protected=no
  # shellcheck disable=SC2086
  start_bg redis "$dir/redis.pid" "$dir/logs/redis.log" redis-server --bind $addresses --port "$port" \
    --dir "$redis_data" --appendonly yes --appendfsync always --save "" --protected-mode "$protected" --daemonize no
  wait_for Redis 30 redis_ready || fail_one redis
}

# Starts what is not running, each on the port recorded by the first `up` (clients, and the services
# started with those URLs, keep working after a crash); a server that is alive is left alone.
up() {
  if running; then log "PostgreSQL and Redis already running"; echo "$envfile"; return 0; fi
  ensure_packages
  local b pg_port redis_port; b=$(pg_bin)
  mkdir -p "$dir/logs" "$redis_data"
  # the postgres user must be able to pass through to its data directory (traverse only)
  [ "$(id -u)" = 0 ] && chmod o+x "$KATHELFER_STATE" "$dir"
  if pg_alive; then pg_port=$PGPORT; else pg_port=$(port_for PGPORT); fi
  if redis_alive; then redis_port=$REDIS_PORT; else redis_port=$(port_for REDIS_PORT); fi
  printf 'PGPORT=%s\nREDIS_PORT=%s\nDATABASE_URL=postgres://%s:%s@127.0.0.1:%s/%s\nREDIS_URL=redis://127.0.0.1:%s\n' \
    "$pg_port" "$redis_port" "$db_user" "$db_password" "$pg_port" "$db_name" "$redis_port" >"$envfile"
  if pg_alive; then
    log "PostgreSQL is running on port $pg_port; left alone"
  else
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
    start_postgres "$b" "$pg_port"
    if ! PGPASSWORD=$db_password "$b/psql" -qtA -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1; then
      PGPASSWORD=$db_password "$b/psql" -q -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d postgres -c "CREATE DATABASE $db_name" >/dev/null
    fi
  fi
  if redis_alive; then log "Redis is running on port $redis_port; left alone"; else start_redis "$redis_port"; fi
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
