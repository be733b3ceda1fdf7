#!/usr/bin/env bash
# `npm run demo`: starts the platform (as npm start does) in a throw-away state directory, plays an
# incident end to end (hack/src/demo/demo.ts), and stops and removes everything again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash hack/ensure-deps.sh
KATHELFER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/kathelfer-demo.XXXXXX")
export KATHELFER_STATE KATHELFER_DETACH=1
# the demo signs its own coordinator and helper tokens with the development secret
export KATHELFER_SIGN_IN=secret
# one machine registers thousands of volunteers from one address: lift the per-IP limit
export RATE_LIMIT_REGISTRATIONS=100000000
cleanup() {
  local code=$?
  bash hack/stop.sh >/dev/null 2>&1 || true
  bash hack/datastores.sh purge >/dev/null 2>&1 || true
  bash hack/cluster.sh purge >/dev/null 2>&1 || true
  rm -rf "$KATHELFER_STATE"
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "starting the platform (log: $KATHELFER_STATE/start.log) …"
bash hack/start.sh >"$KATHELFER_STATE/start.log" 2>&1 || { tail -n 30 "$KATHELFER_STATE/start.log"; exit 1; }
node --import tsx hack/src/demo/demo.ts "$KATHELFER_STATE"
