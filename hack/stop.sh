#!/usr/bin/env bash
# `npm stop`: stops what `npm start` started (by pid), keeping the data for the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
source hack/lib.sh
# SIGTERM: the services drain, the operator hands its Lease over before it exits.
for svc in registration tasks matching; do
  stop_pid "$svc" "$KATHELFER_STATE/platform/$svc.pid" "services/$svc/src/server.ts" TERM 30
done
stop_pid operator "$KATHELFER_STATE/platform/operator.pid" operator/src/main.ts
# the platform as real pods (hack/start-pods.sh): its port-forwards and the real node
for svc in registration tasks matching; do
  stop_pid "port-forward $svc" "$KATHELFER_STATE/platform/$svc.forward.pid" "port-forward svc/$svc"
done
bash hack/pods-host-services.sh down
bash hack/mail.sh down
bash hack/node.sh down
bash hack/keycloak.sh down
bash hack/datastores.sh down
bash hack/cluster.sh down
