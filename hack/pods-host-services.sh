#!/usr/bin/env bash
# The host services that the platform's pods use besides PostgreSQL and Redis, for `npm start` with
# real pods (hack/start-pods.sh): the local Keycloak (staff tokens, hack/keycloak.sh) and the local
# SMTP server (hack/mail.sh). Both listen on loopback only and pods can't reach the host's loopback,
# so `hack/node.sh expose-host … --forward` forwards each one's port on the bridge address to it
# (socat, as for the API server) and gives it a selector-less Service (`keycloak`, `smtp`) — the
# shape of postgres and redis (hack/node.sh expose-datastores) and of an authority's provider or
# mail relay outside the cluster.
#
# The browser signs in at Keycloak's loopback URL, so the tokens' issuer is that URL: the pods fetch
# the keys through the Service and check the issuer against the loopback URL. The notification
# settings go into the Secrets that manifests/base/services/registration.yaml and matching.yaml
# read (kathelfer-smtp, kathelfer-vapid, kathelfer-action-links; development values, hack/notify-env.sh).
#
#   hack/pods-host-services.sh up NAMESPACE     needs the real node (hack/node.sh up)
#   hack/pods-host-services.sh down             stop the forwards (hack/node.sh down stops them too)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

kubectl_admin() { "$(cat "$KATHELFER_STATE/cluster/bin")/kubectl" --kubeconfig "$KATHELFER_STATE/cluster/kubeconfig" "$@"; }

# The loopback ports of Keycloak and the SMTP server, one a line (what is forwarded).
host_ports() {
  # shellcheck source=/dev/null
  [ -f "$KATHELFER_STATE/keycloak/env" ] && (source "$KATHELFER_STATE/keycloak/env" && echo "$KEYCLOAK_PORT")
  bash "$here/mail.sh" env 2>/dev/null | sed -n 's|^SMTP_URL=smtp://127.0.0.1:||p'
}

# secret NAME NAMESPACE KEY=VALUE...: creates or replaces a Secret.
secret() {
  local name=$1 ns=$2; shift 2
  local args=() pair
  for pair in "$@"; do args+=(--from-literal="$pair"); done
  kubectl_admin -n "$ns" create secret generic "$name" "${args[@]}" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
}

up() {
  local ns=$1 smtp_port
  # shellcheck source=/dev/null
  source "$KATHELFER_STATE/keycloak/env"
  bash "$here/node.sh" expose-host "$ns" keycloak "$KEYCLOAK_PORT" --forward
  smtp_port=$(bash "$here/mail.sh" env | sed -n 's|^SMTP_URL=smtp://127.0.0.1:||p')
  bash "$here/node.sh" expose-host "$ns" smtp "$smtp_port" --forward

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
  local port
  for port in $(host_ports); do
    stop_pid "forward $port" "$KATHELFER_STATE/node/forward-$port.pid" "socat TCP-LISTEN:$port,"
  done
}

case "${1:-}" in
  up) up "${2:?namespace}" ;;
  down) down ;;
  *) die "usage: $0 up NAMESPACE | down" ;;
esac
