#!/usr/bin/env bash
# `npm start`: brings up the platform locally. Today that is the local Kubernetes control plane
# (or the cluster KUBECONFIG names, with KATHELFER_USE_EXISTING_CLUSTER=1), PostgreSQL and Redis;
# the operator and the services join as they are built. Idempotent: a second run reuses what runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source hack/lib.sh

bash hack/ensure-deps.sh
if [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" = 1 ]; then
  [ -n "${KUBECONFIG:-}" ] || die "KATHELFER_USE_EXISTING_CLUSTER=1 needs KUBECONFIG pointing at your cluster"
  kubeconfig=$KUBECONFIG
  log "using the existing cluster in $kubeconfig"
else
  kubeconfig=$(bash hack/cluster.sh up)
fi
envfile=$(bash hack/datastores.sh up)

cat <<MSG

Kathelfer's local platform is up (state in $KATHELFER_STATE).

  Kubernetes:  export KUBECONFIG=$kubeconfig
$( [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" = 1 ] || printf '               export PATH=%s:"$PATH"   # kubectl %s, matching the API server\n' "$(cat "$KATHELFER_STATE/cluster/bin")" "$(source hack/versions.env; echo "$K8S_VERSION")" )
  PostgreSQL and Redis:  $(grep -E '^(DATABASE_URL|REDIS_URL)=' "$envfile" | tr '\n' ' ')

  Stop everything with: npm stop   (data is kept; 'bash hack/cluster.sh purge' and
  'bash hack/datastores.sh purge' remove it)
MSG
