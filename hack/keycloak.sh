#!/usr/bin/env bash
# The local OIDC provider: Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central) on
# 127.0.0.1, with the development realm hack/keycloak/realm-kathelfer.json (clients kathelfer-web
# and kubectl, groups authority, coordinator, site-lead, and development users) imported at its
# first start. State (its dev-file database, TLS key, logs) under $KATHELFER_STATE/keycloak.
#
#   hack/keycloak.sh up       start it unless it runs; prints the env file (KEYCLOAK_URL, KEYCLOAK_ISSUER, …)
#   hack/keycloak.sh prepare  only choose its ports and make its TLS certificate (the env file), so that
#                             kube-apiserver can be configured to trust it before it runs (cluster.sh)
#   hack/keycloak.sh down     stop it (by pid); keeps its data
#   hack/keycloak.sh purge    down, then remove its data
#   hack/keycloak.sh status   exit 0 when it answers
#   hack/keycloak.sh env      print the shell exports
#   hack/keycloak.sh users    print the development users and passwords of the realm
#
# Java: Keycloak 26 needs Java 21 or later. Taken from $KEYCLOAK_JAVA_HOME, then $JAVA_HOME, then the
# newest JDK/JRE under /usr/lib/jvm (these machines have Temurin 25 in
# /usr/lib/jvm/temurin-25-jdk-amd64); on a machine without one, Debian's openjdk-25-jre-headless (or
# openjdk-21-jre-headless) is installed with apt-get.
#
# Two listeners on loopback: HTTP for the pages and services (issuer http://127.0.0.1:<port>/realms/kathelfer)
# and HTTPS with a certificate of a local CA ($dir/pki/ca.crt) for kube-apiserver, which accepts only
# https issuers (issuer https://127.0.0.1:<tls-port>/realms/kathelfer). Keycloak names the issuer
# after the URL a client used, so each side sees tokens of its own issuer; in production there is one
# https issuer (see README "Sign-in for staff").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

KEYCLOAK_VERSION=26.7.3
maven="https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION"
cache_root="${KATHELFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kathelfer}"
cache="$cache_root/keycloak"
dir="$KATHELFER_STATE/keycloak"
envfile="$dir/env"
realm_file="$here/keycloak/realm-kathelfer.json"
realm=kathelfer
# Heap: Keycloak's default is 70 % of the machine's memory; a development realm with a few users
# runs in far less (measured: see README "Sign-in for staff").
heap="${KEYCLOAK_HEAP:--Xms64m -Xmx320m}"

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

# Prints a Java home with Java >= 21, installing Debian's package when there is none.
find_java() {
  local candidate
  for candidate in "${KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do
    candidate=${candidate%/}
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  log "no Java 21 or later found; installing it from Debian's packages"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends openjdk-25-jre-headless >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends openjdk-21-jre-headless >/dev/null
  for candidate in $(ls -d /usr/lib/jvm/*/ | sort -V -r); do
    candidate=${candidate%/}
    if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  die "no Java 21 or later after installing openjdk; set KEYCLOAK_JAVA_HOME"
}

# The unpacked and built ("kc.sh build": database kind fixed, Quarkus augmented) distribution, once
# per version in the cache; a download is checked against Maven Central's SHA-1.
ensure_dist() {
  local java_home=$1 built="$cache/keycloak-$KEYCLOAK_VERSION-built"
  mkdir -p "$cache"
  exec 8>"$cache/build.lock"
  flock 8
  if [ ! -f "$built/.built" ]; then
    local zip="$cache/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
    if [ ! -f "$zip" ]; then
      log "downloading Keycloak $KEYCLOAK_VERSION from Maven Central"
      curl -fsSL --retry 3 -o "$zip.part" "$maven/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
      mv "$zip.part" "$zip"
    fi
    local expected actual
    expected=$(curl -fsSL --retry 3 "$maven/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip.sha1" | cut -c1-40)
    actual=$(sha1sum "$zip" | cut -c1-40)
    [ "$expected" = "$actual" ] || { rm -f "$zip"; die "Keycloak's zip does not match Maven Central's SHA-1 ($actual, expected $expected); removed, run again"; }
    rm -rf "$built" "$built.tmp"
    mkdir -p "$built.tmp"
    unzip -q "$zip" -d "$built.tmp"
    mv "$built.tmp/keycloak-$KEYCLOAK_VERSION" "$built"
    rmdir "$built.tmp"
    log "building Keycloak (once per version; about a minute)"
    JAVA_HOME=$java_home "$built/bin/kc.sh" build --db=dev-file >"$cache/build.log" 2>&1 || { tail -n 20 "$cache/build.log" >&2; die "kc.sh build failed"; }
    touch "$built/.built"
  fi
  flock -u 8
  echo "$built"
}

# The TLS certificate for 127.0.0.1 and localhost, signed by a CA of this state directory.
ensure_tls() {
  local pki="$dir/pki"
  [ -f "$pki/keycloak.crt" ] && return 0
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=kathelfer-local-oidc-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout keycloak.key -out keycloak.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >keycloak.ext
    openssl x509 -req -in keycloak.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out keycloak.crt -days 3650 -extfile keycloak.ext 2>/dev/null
  )
}

ready() { [ -f "$envfile" ] && source "$envfile" && curl -sf "$KEYCLOAK_ISSUER/.well-known/openid-configuration" >/dev/null; }
running() { pid_alive "$dir/keycloak.pid" "$dir/home/bin/kc.sh" && ready; }

port_for() {
  local port=""
  [ -f "$envfile" ] && port=$(sed -n "s/^$1=//p" "$envfile")
  if [ -n "$port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=""; fi
  [ -n "$port" ] || port=$(free_port)
  echo "$port"
}

down_quiet() { stop_pid keycloak "$dir/keycloak.pid" "$dir/home/bin/kc.sh" TERM 30; }

# The ports (kept from an earlier run while free), the TLS certificate and the admin password: the
# env file, which kube-apiserver's authentication configuration reads (cluster.sh).
prepare() {
  local port tls_port admin_password
  mkdir -p "$dir/logs"
  ensure_tls
  port=$(port_for KEYCLOAK_PORT)
  tls_port=$(port_for KEYCLOAK_TLS_PORT)
  admin_password=$(sed -n 's/^KEYCLOAK_ADMIN_PASSWORD=//p' "$envfile" 2>/dev/null || true)
  [ -n "$admin_password" ] || admin_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  cat >"$envfile" <<ENV
KEYCLOAK_PORT=$port
KEYCLOAK_TLS_PORT=$tls_port
KEYCLOAK_URL=http://127.0.0.1:$port
KEYCLOAK_ISSUER=http://127.0.0.1:$port/realms/$realm
KEYCLOAK_TLS_ISSUER=https://127.0.0.1:$tls_port/realms/$realm
KEYCLOAK_CA_FILE=$dir/pki/ca.crt
KEYCLOAK_ADMIN_USERNAME=admin
KEYCLOAK_ADMIN_PASSWORD=$admin_password
ENV
  chmod 600 "$envfile"
}

up() {
  if running; then log "Keycloak already running"; echo "$envfile"; return 0; fi
  prepare
  local java_home dist
  java_home=$(find_java)
  dist=$(ensure_dist "$java_home")
  # Its own home per state directory (hard links into the built distribution: no copy of 200 MB),
  # so the dev-file database and the imported realm belong to this state directory.
  if [ ! -d "$dir/home" ]; then
    cp -al "$dist" "$dir/home" 2>/dev/null || cp -a "$dist" "$dir/home"
    mkdir -p "$dir/home/data/import"
    cp "$realm_file" "$dir/home/data/import/"
  fi
  # shellcheck disable=SC1090
  source "$envfile"
  # --cache=local: no cluster discovery on the network; the bootstrap admin exists only in the
  # master realm of this local instance. C1 only and a class-data archive: a faster start on a
  # shared machine (measured: README), at some cost in peak throughput that a local realm never needs.
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$KEYCLOAK_ADMIN_PASSWORD \
  JAVA_HOME=$java_home JAVA_OPTS_KC_HEAP="$heap" \
  JAVA_OPTS_APPEND="-Xlog:disable -XX:TieredStopAtLevel=1 -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$cache/keycloak-$KEYCLOAK_VERSION.jsa" \
    start_bg keycloak "$dir/keycloak.pid" "$dir/logs/keycloak.log" "$dir/home/bin/kc.sh" start --optimized \
      --cache=local --http-enabled=true --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
      --https-port="$KEYCLOAK_TLS_PORT" --https-certificate-file="$dir/pki/keycloak.crt" --https-certificate-key-file="$dir/pki/keycloak.key" \
      --hostname-strict=false --import-realm --log-level=warn
  # The pid is kc.sh's: it forwards SIGTERM to its java child and waits for it.
  # 40–90 s alone; up to ~3 minutes on a machine shared with other builds (measured): a generous bound.
  wait_for Keycloak 480 ready || fail_up keycloak
  echo "$envfile"
}

users() {
  node -e '
    const realm = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const u of realm.users) console.log(`${u.username.padEnd(14)} ${u.credentials[0].value.padEnd(24)} ${u.groups.join(", ")}`);
  ' "$realm_file"
}

case "${1:-}" in
  up) up ;;
  prepare) if running; then echo "$envfile"; else prepare; echo "$envfile"; fi ;;
  down) down_quiet; log "Keycloak stopped (data kept in $dir; 'purge' removes it)" ;;
  purge) down_quiet; rm -rf "$dir"; log "Keycloak stopped and its data removed" ;;
  status) if running; then echo "running: $envfile"; else echo "not running"; exit 1; fi ;;
  env) running || die "Keycloak is not running; run: hack/keycloak.sh up"; sed 's/^/export /' "$envfile" ;;
  users) users ;;
  *) echo "usage: $0 up|down|purge|status|env|users" >&2; exit 2 ;;
esac
