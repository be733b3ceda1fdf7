#!/usr/bin/env bash
# `npm test`: type-check every workspace, lint, then run all tests (unit and integration) against a
# real local control plane, PostgreSQL and Redis that this run starts once in a throw-away state
# directory and stops again at the end, whatever the outcome.
#
# Arguments are passed to ava (e.g. `npm test -- --match='*surge*'`).
# KATHELFER_TEST_KUBECONFIG: run the Kubernetes tests against that cluster instead of a local plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
say() { echo "[$(date +%H:%M:%S)] test: $*" >&2; }

bash hack/ensure-deps.sh
say "type-checking"
bash hack/typecheck.sh
say "linting"
npx eslint --max-warnings=0 .

KATHELFER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/kathelfer-test.XXXXXX")
export KATHELFER_STATE
cleanup() {
  local code=$?
  bash hack/datastores.sh purge >/dev/null 2>&1 || true
  [ -n "${KATHELFER_TEST_KUBECONFIG:-}" ] || bash hack/cluster.sh purge >/dev/null 2>&1 || true
  rm -rf "$KATHELFER_STATE"
  say "finished in $(( $(date +%s) - started ))s"
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting the test environment in $KATHELFER_STATE"
pids=()
if [ -z "${KATHELFER_TEST_KUBECONFIG:-}" ]; then
  bash hack/cluster.sh up >/dev/null & pids+=($!)
fi
bash hack/datastores.sh up >/dev/null & pids+=($!)
for pid in "${pids[@]}"; do
  wait "$pid" || { say "the test environment did not start (see the messages above)"; exit 1; }
done

if [ -n "${KATHELFER_TEST_KUBECONFIG:-}" ]; then
  export KUBECONFIG=$KATHELFER_TEST_KUBECONFIG
else
  eval "$(bash hack/cluster.sh env)"
fi
eval "$(bash hack/datastores.sh env)"

say "running the tests"
npx ava "$@"
