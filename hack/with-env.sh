#!/usr/bin/env bash
# Runs a command against a throw-away local control plane, PostgreSQL and Redis, started in a fresh
# state directory and stopped and removed afterwards whatever the outcome. Used by `npm test` and
# the benchmarks. KATHELFER_TEST_KUBECONFIG: use that cluster instead of a local plane.
#   hack/with-env.sh [--no-datastores] [--no-keycloak] [--real-node] CMD...
# Keycloak (hack/keycloak.sh, the staff sign-in) starts with the datastores unless --no-keycloak.
# --real-node: also a real node next to the kwok nodes (hack/node.sh, see hack/real-node-env.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "[$(date +%H:%M:%S)] env: $*" >&2; }
datastores=1
keycloak=1
real_node=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-datastores) datastores=0 ;;
    --no-keycloak) keycloak=0 ;;
    --real-node) real_node=1 ;;
    *) break ;;
  esac
  shift
done
[ $datastores = 1 ] || keycloak=0

KATHELFER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/kathelfer-run.XXXXXX")
export KATHELFER_STATE
cleanup() {
  local code=$?
  [ $real_node = 1 ] && { bash "$root/hack/real-node-env.sh" down || code=1; }
  [ $datastores = 1 ] && { bash "$root/hack/datastores.sh" purge >/dev/null 2>&1 || true; }
  [ $keycloak = 1 ] && { bash "$root/hack/keycloak.sh" purge >/dev/null 2>&1 || true; }
  [ -n "${KATHELFER_TEST_KUBECONFIG:-}" ] || bash "$root/hack/cluster.sh" purge >/dev/null 2>&1 || true
  rm -rf "$KATHELFER_STATE"
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting the environment in $KATHELFER_STATE"
[ $real_node = 1 ] && { bash "$root/hack/real-node-env.sh" bridge || real_node=0; }
pids=()
# Keycloak's ports and TLS certificate first: kube-apiserver trusts its issuer from the start.
[ $keycloak = 1 ] && bash "$root/hack/keycloak.sh" prepare >/dev/null
if [ -z "${KATHELFER_TEST_KUBECONFIG:-}" ]; then
  bash "$root/hack/cluster.sh" up >/dev/null & pids+=($!)
fi
[ $datastores = 1 ] && { bash "$root/hack/datastores.sh" up >/dev/null & pids+=($!); }
[ $keycloak = 1 ] && { bash "$root/hack/keycloak.sh" up >/dev/null & pids+=($!); }
for pid in "${pids[@]}"; do
  wait "$pid" || { say "the environment did not start (see the messages above)"; exit 1; }
done

if [ -n "${KATHELFER_TEST_KUBECONFIG:-}" ]; then
  export KUBECONFIG=$KATHELFER_TEST_KUBECONFIG
else
  eval "$(bash "$root/hack/cluster.sh" env)"
fi
[ $datastores = 1 ] && eval "$(bash "$root/hack/datastores.sh" env)"
[ $keycloak = 1 ] && eval "$(bash "$root/hack/keycloak.sh" env)"
[ $real_node = 1 ] && eval "$(bash "$root/hack/real-node-env.sh" up)"
"$@"
