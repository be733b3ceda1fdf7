#!/usr/bin/env bash
# The host services that the platform's pods use besides PostgreSQL and Redis, for `npm start` with
# real pods (hack/start-pods.sh): the local Keycloak (staff tokens, hack/keycloak.sh) and the local
# SMTP server (hack/mail.sh). Both listen on loopback only and pods can't reach the host's loopback,
# so socat forwards each one's port on the bridge address to it (as hack/node.sh does for the API
# server), and a selector-less Service (`keycloak`, `smtp`) points there — the shape of postgres
# and redis (hack/node.sh expose-datastores) and of an authority's provider or mail relay outside
# the cluster.
#
# The browser signs in at Keycloak's loopback URL, so the tokens' issuer is that URL: the pods fetch
# the keys through the Service and check the issuer against the loopback URL. The notification
# settings go into the Secrets that manifests/base/services/registration.yaml and matching.yaml
# read (kathelfer-smtp, kathelfer-vapid, kathelfer-action-links; development values, hack/notify-env.sh).
#
#   hack/pods-host-services.sh up NAMESPACE NODE_IP   NODE_IP: the bridge address (hack/node.sh bridge)
#   hack/pods-host-services.sh down                   stop the forwards
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

dir="$KATHELFER_STATE/platform"
kubectl_admin() { "$(cat "$KATHELFER_STATE/cluster/bin")/kubectl" --kubeconfig "$KATHELFER_STATE/cluster/kubeconfig" "$@"; }

# forward NAME PORT NAMESPACE NODE_IP: socat NODE_IP:PORT → 127.0.0.1:PORT and the Service NAME:PORT.
forward() {
  local name=$1 port=$2 ns=$3 node_ip=$4 pidfile="$dir/$1-forward.pid"
  if ! pid_alive "$pidfile" "socat TCP-LISTEN:$port,bind=$node_ip"; then
    stop_pid "$name forward" "$pidfile" "socat TCP-LISTEN:"
    start_bg "$name forward" "$pidfile" "$dir/$name-forward.log" \
      "$(command -v socat)" "TCP-LISTEN:$port,bind=$node_ip,reuseaddr,fork" "TCP:127.0.0.1:$port"
  fi
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $name
  namespace: $ns
  labels: {app.kubernetes.io/part-of: kathelfer}
spec:
  ports: [{name: $name, port: $port, targetPort: $port, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $name-host
  namespace: $ns
  labels: {kubernetes.io/service-name: $name, endpointslice.kubernetes.io/managed-by: kathelfer-hack-node}
addressType: IPv4
ports: [{name: $name, port: $port, protocol: TCP}]
endpoints: [{addresses: ["$node_ip"], conditions: {ready: true}}]
YAML
}

# secret NAME NAMESPACE KEY=VALUE...: creates or replaces a Secret.
secret() {
  local name=$1 ns=$2; shift 2
  local args=() pair
  for pair in "$@"; do args+=(--from-literal="$pair"); done
  kubectl_admin -n "$ns" create secret generic "$name" "${args[@]}" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
}

up() {
  local ns=$1 node_ip=$2 smtp_port
  mkdir -p "$dir"
  # shellcheck source=/dev/null
  source "$KATHELFER_STATE/keycloak/env"
  forward keycloak "$KEYCLOAK_PORT" "$ns" "$node_ip"
  smtp_port=$(bash "$here/mail.sh" env | sed -n 's|^SMTP_URL=smtp://127.0.0.1:||p')
  forward smtp "$smtp_port" "$ns" "$node_ip"

  local word vapid=() links=()
  for word in $(bash "$here/notify-env.sh"); do
    case "$word" in
      VAPID_*) vapid+=("$word") ;;
      ACTION_LINK_SECRET=*) links+=("$word") ;;
    esac
  done
  secret kathelfer-smtp "$ns" "SMTP_URL=smtp://smtp.$ns.svc.cluster.local:$smtp_port"
  secret kathelfer-vapid "$ns" "${vapid[@]}"
  secret kathelfer-action-links "$ns" "${links[@]}"

  # JWT_SECRET= (empty counts as unset, services/common/src/config.ts) overrides the overlay's
  # development secret: a service accepts one way of verifying staff tokens at a time.
  local svc
  for svc in registration tasks matching; do
    kubectl_admin -n "$ns" set env "deployment/$svc" JWT_SECRET= \
      JWT_JWKS_URL="http://keycloak.$ns.svc.cluster.local:$KEYCLOAK_PORT/realms/kathelfer/protocol/openid-connect/certs" \
      JWT_ISSUER="$KEYCLOAK_ISSUER" JWT_AUDIENCE=kathelfer >/dev/null
  done
}

down() {
  local name
  for name in keycloak smtp; do stop_pid "$name forward" "$dir/$name-forward.pid" "socat TCP-LISTEN:"; done
}

case "${1:-}" in
  up) up "${2:?namespace}" "${3:?the bridge address}" ;;
  down) down ;;
  *) die "usage: $0 up NAMESPACE NODE_IP | down" ;;
esac
