#!/usr/bin/env bash
# Headless Chromium for the browser tests, from Debian's package (installed with apt-get when
# missing, as hack/datastores.sh installs PostgreSQL and Redis). Never a browser download of its own:
# the tests drive /usr/bin/chromium with playwright-core.
#   hack/chromium.sh ensure
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

case "${1:-ensure}" in
  ensure)
    [ -x /usr/bin/chromium ] && exit 0
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    log "installing chromium from Debian's packages"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
    [ -x /usr/bin/chromium ] || die "chromium did not install to /usr/bin/chromium"
    ;;
  *) die "usage: $0 ensure" ;;
esac
