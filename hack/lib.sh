# Shared helpers for hack/*.sh: state directory, free ports, processes started and stopped by pid.
# Sourced, not executed.

# Runtime state (data dirs, pid files, logs, kubeconfig) lives outside the repository. The default
# is under /tmp: it is a disposable local environment, and the PostgreSQL server (which runs as the
# unprivileged "postgres" user when we are root) must be able to reach its data directory.
KATHELFER_STATE="${KATHELFER_STATE:-${TMPDIR:-/tmp}/kathelfer-$(id -u)}"
export KATHELFER_STATE

log() { echo "[$(date +%H:%M:%S)] $(basename "$0"): $*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# pid_alive PIDFILE EXPECTED: true when the pid in PIDFILE runs and its command line contains
# EXPECTED (guards against a pid the kernel has handed to an unrelated process since).
pid_alive() {
  local pidfile=$1 expected=$2 pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$expected"
}

# start_bg NAME PIDFILE LOGFILE CMD...: starts CMD detached in its own session, records its pid.
# The subshell exits at once, so init adopts (and reaps) the server rather than this script.
start_bg() {
  local name=$1 pidfile=$2 logfile=$3; shift 3
  log "starting $name (log: $logfile)"
  ( setsid "$@" >>"$logfile" 2>&1 </dev/null & echo $! >"$pidfile" )
}

# stop_pid NAME PIDFILE EXPECTED [SIGNAL] [SECONDS]: SIGNAL (default TERM), wait up to SECONDS
# (default 20) for a clean exit, then KILL. Only touches the process we started (see pid_alive).
stop_pid() {
  local name=$1 pidfile=$2 expected=$3 signal=${4:-TERM} seconds=${5:-20} pid i
  if pid_alive "$pidfile" "$expected"; then
    pid=$(cat "$pidfile")
    log "stopping $name (pid $pid)"
    kill "-$signal" "$pid" 2>/dev/null || true
    for i in $(seq 1 $(( seconds * 10 ))); do
      [ -d "/proc/$pid" ] || break
      # a zombie child of ours counts as gone
      grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
      sleep 0.1
    done
    [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && { log "$name did not stop in $seconds s, killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$pidfile"
}

# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
  log "$what is ready"
}

# fail_up NAME: a component did not start; show the end of its log, stop what was started, exit.
# The sourcing script defines $dir (its state directory, with logs/) and down_quiet.
fail_up() {
  log "$1 did not come up; the end of its log ($dir/logs/$1.log):"
  tail -n 30 "$dir/logs/$1.log" >&2 || true
  down_quiet
  exit 1
}
