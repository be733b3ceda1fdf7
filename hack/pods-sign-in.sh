#!/usr/bin/env bash
# Staff sign-in for the platform as real pods (hack/start-pods.sh): the services in the pods verify
# the local Keycloak's tokens through its JWKS. Keycloak listens on loopback only (hack/keycloak.sh)
# and pods can't reach the host's loopback, so socat forwards its port on the bridge address to it
# (as hack/node.sh does for the API server), and a selector-less Service `keycloak` points there —
# the shape of postgres and redis (hack/node.sh expose-datastores). The browser signs in at
# Keycloak's loopback URL, so the tokens' issuer is that URL; the pods only fetch keys through the
# Service, and check the issuer against the loopback URL.
#
#   hack/pods-sign-in.sh up NAMESPACE NODE_IP   forward on the bridge address NODE_IP (hack/node.sh
#                                               bridge prints it), Service, and the Deployments'
#                                               JWT_* (they roll once)
#   hack/pods-sign-in.sh down           stop the forward
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

dir="$KATHELFER_STATE/platform"
pidfile="$dir/keycloak-forward.pid"
kubectl_admin() { "$(cat "$KATHELFER_STATE/cluster/bin")/kubectl" --kubeconfig "$KATHELFER_STATE/cluster/kubeconfig" "$@"; }

up() {
  local ns=$1 node_ip=$2
  # shellcheck source=/dev/null
  source "$KATHELFER_STATE/keycloak/env"
  mkdir -p "$dir"
  if ! pid_alive "$pidfile" "socat TCP-LISTEN:$KEYCLOAK_PORT"; then
    start_bg "keycloak forward" "$pidfile" "$dir/keycloak-forward.log" \
      "$(command -v socat)" "TCP-LISTEN:$KEYCLOAK_PORT,bind=$node_ip,reuseaddr,fork" "TCP:127.0.0.1:$KEYCLOAK_PORT"
  fi
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: keycloak
  namespace: $ns
  labels: {app.kubernetes.io/part-of: kathelfer}
spec:
  ports: [{name: http, port: $KEYCLOAK_PORT, targetPort: $KEYCLOAK_PORT, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: keycloak-host
  namespace: $ns
  labels: {kubernetes.io/service-name: keycloak, endpointslice.kubernetes.io/managed-by: kathelfer-hack-node}
addressType: IPv4
ports: [{name: http, port: $KEYCLOAK_PORT, protocol: TCP}]
endpoints: [{addresses: ["$node_ip"], conditions: {ready: true}}]
YAML
  # JWT_SECRET= (empty counts as unset, services/common/src/config.ts) overrides the overlay's
  # development secret: the services accept one way of verifying staff tokens at a time.
  local svc
  for svc in registration tasks matching; do
    kubectl_admin -n "$ns" set env "deployment/$svc" JWT_SECRET= \
      JWT_JWKS_URL="http://keycloak.$ns.svc.cluster.local:$KEYCLOAK_PORT/realms/kathelfer/protocol/openid-connect/certs" \
      JWT_ISSUER="$KEYCLOAK_ISSUER" JWT_AUDIENCE=kathelfer >/dev/null
  done
}

down() { stop_pid "keycloak forward" "$pidfile" "socat TCP-LISTEN:"; }

case "${1:-}" in
  up) up "${2:?namespace}" "${3:?the bridge address}" ;;
  down) down ;;
  *) die "usage: $0 up NAMESPACE NODE_IP | down" ;;
esac
