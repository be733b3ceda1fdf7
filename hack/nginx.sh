#!/usr/bin/env bash
# nginx from Debian's package (installed with apt-get when missing, as hack/chromium.sh installs
# Chromium): the registration tests start it on loopback as the reverse proxy in front of the
# service, so client addresses and X-Forwarded-For are tested as an Ingress sends them.
#   hack/nginx.sh ensure
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

case "${1:-ensure}" in
  ensure)
    [ -x /usr/sbin/nginx ] && exit 0
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    log "installing nginx from Debian's packages"
    "${sudo[@]}" apt-get update -qq
    # nginx-light would do, but its name changed across Debian releases; nginx is in every one.
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends nginx >/dev/null
    [ -x /usr/sbin/nginx ] || die "nginx did not install to /usr/sbin/nginx"
    # The package starts a system nginx on port 80; the tests run their own on loopback.
    { command -v systemctl >/dev/null && "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1; } || true
    [ -f /run/nginx.pid ] && "${sudo[@]}" /usr/sbin/nginx -s quit 2>/dev/null || true
    ;;
  *) die "usage: $0 ensure" ;;
esac
