#!/usr/bin/env bash
# `npm start` where this machine can run a real node (hack/start.sh decides): the platform in the
# cluster — the operator and the three services as real pods on the real node (hack/node.sh), from
# the images `npm run images` builds, applied with manifests/overlays/local — with PostgreSQL and
# Redis on the host behind the Services postgres and redis. The pages are reached on loopback
# through `kubectl port-forward` to each Service. Stays in the foreground: Ctrl-C stops the
# port-forwards and what this run started (data is kept); KATHELFER_DETACH=1 returns once all is up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source hack/lib.sh

cluster_was_up=0; datastores_were_up=0; node_was_up=0
bash hack/cluster.sh status >/dev/null 2>&1 && cluster_was_up=1
bash hack/node.sh status >/dev/null 2>&1 && node_was_up=1
# the bridge first: PostgreSQL and Redis listen on it too; servers started before it are restarted
node_ip=$(bash hack/node.sh bridge)
if bash hack/datastores.sh status >/dev/null 2>&1; then
  datastores_were_up=1
  eval "$(bash hack/datastores.sh env)"
  listening=$(ss -ltn) # captured, not piped into grep -q: see make_bridge in hack/node.sh
  if [[ "$listening" != *" $node_ip:$PGPORT "* ]] || [[ "$listening" != *" $node_ip:$REDIS_PORT "* ]]; then
    log "PostgreSQL and Redis run on loopback only; restarting them to listen on the bridge too (data kept)"
    bash hack/datastores.sh down
  fi
fi
keycloak_was_up=0
bash hack/keycloak.sh status >/dev/null 2>&1 && keycloak_was_up=1
# Staff sign in through the local Keycloak (about a minute, in parallel with the plane): its ports
# and TLS certificate first, since kube-apiserver trusts its issuer from the start (cluster.sh).
bash hack/keycloak.sh prepare >/dev/null
bash hack/keycloak.sh up >"$KATHELFER_STATE/keycloak-up.log" 2>&1 & keycloak_up=$!
kubeconfig=$(bash hack/cluster.sh up)
bash hack/datastores.sh up >/dev/null
bash hack/mail.sh up # the local SMTP server that keeps and shows every mail the platform sends
bash hack/node.sh up >/dev/null
eval "$(bash hack/node.sh env)"
kubectl=("$(cat "$KATHELFER_STATE/cluster/bin")/kubectl" --kubeconfig "$kubeconfig")

log "building (when stale) and loading the platform's images into the node"
CTR="$KATHELFER_NODE_BIN/ctr" bash hack/images.sh load --address "$CONTAINERD_ADDRESS" >/dev/null

log "installing the CRDs and manifests/overlays/local"
"${kubectl[@]}" apply --server-side --force-conflicts -k crds >/dev/null
"${kubectl[@]}" wait --for=condition=Established crd/disasterevents.kathelfer.io crd/surgeplans.kathelfer.io --timeout=60s >/dev/null
"${kubectl[@]}" apply --server-side --force-conflicts -k manifests/overlays/local >/dev/null
bash hack/node.sh expose-datastores kathelfer
wait "$keycloak_up" || { cat "$KATHELFER_STATE/keycloak-up.log" >&2; die "Keycloak did not start"; }
# shellcheck disable=SC1091
source "$KATHELFER_STATE/keycloak/env"
# Keycloak and the SMTP server for the pods, the services trust Keycloak's tokens (they roll once)
bash hack/pods-host-services.sh up kathelfer

# Each Service on a loopback port; the pages call the three APIs across these origins (CORS),
# so the services learn their public URLs (a change of the pod template: they roll once).
dir="$KATHELFER_STATE/platform"
mkdir -p "$dir"
declare -A ports=()
for svc in registration tasks matching; do
  if [ -f "$dir/$svc.forward-port" ] && pid_alive "$dir/$svc.forward.pid" "port-forward svc/$svc"; then
    ports[$svc]=$(cat "$dir/$svc.forward-port")
  else
    ports[$svc]=$(free_port)
  fi
done
url_of() { echo "http://127.0.0.1:${ports[$1]}"; }
origins="$(url_of registration),$(url_of tasks),$(url_of matching)"
for svc in registration tasks matching; do
  "${kubectl[@]}" -n kathelfer set env "deployment/$svc" PUBLIC_REGISTRATION_URL="$(url_of registration)" \
    PUBLIC_TASKS_URL="$(url_of tasks)" PUBLIC_MATCHING_URL="$(url_of matching)" CORS_ALLOWED_ORIGINS="$origins" >/dev/null
done
log "waiting for the platform's pods (the first start of twenty-odd Node.js processes takes a while on 2 cores)"
"${kubectl[@]}" -n kathelfer rollout status deployment --timeout=600s >/dev/null ||
  die "the platform's Deployments did not become Ready; see: kubectl -n kathelfer get pods; kubectl -n kathelfer describe pods"

for svc in registration tasks matching; do
  if ! pid_alive "$dir/$svc.forward.pid" "port-forward svc/$svc"; then
    echo "${ports[$svc]}" >"$dir/$svc.forward-port"
    start_bg "port-forward $svc" "$dir/$svc.forward.pid" "$dir/$svc.forward.log" \
      "${kubectl[@]}" -n kathelfer port-forward "svc/$svc" --address 127.0.0.1 "${ports[$svc]}:80"
    wait_for "$svc on $(url_of "$svc")" 60 curl -sf "$(url_of "$svc")/readyz" || die "port-forward to $svc failed; see $dir/$svc.forward.log"
  fi
done

staff_users=$(bash hack/keycloak.sh users | sed 's/^/    /')

cat <<MSG

Kathelfer runs as real pods on the real node $KATHELFER_NODE ($node_ip), next to the kwok nodes
(state in $KATHELFER_STATE).

  export KUBECONFIG=$kubeconfig
  export PATH=$(cat "$KATHELFER_STATE/cluster/bin"):"\$PATH"   # kubectl matching the API server
  kubectl -n kathelfer get pods -o wide
  PostgreSQL and Redis (host processes, Services postgres and redis in the cluster): $(grep -E '^(DATABASE_URL|REDIS_URL)=' "$KATHELFER_STATE/datastores/env" | tr '\n' ' ')

Services (kubectl port-forward to each Service; logs: kubectl -n kathelfer logs deploy/<name>):
  registration: $(url_of registration)
  tasks:        $(url_of tasks)
  matching:     $(url_of matching)
Web pages:
  Helpers register (phone-sized):  $(url_of registration)/?incident=hochwasser-ahr
  Coordinators:                     $(url_of tasks)/coordinator.html   (incident hochwasser-ahr)
  Site leads:                       from a site's row on the coordinators' page (site.html?site=…)
Staff sign in through Keycloak ($KEYCLOAK_URL/realms/kathelfer; admin console $KEYCLOAK_URL/admin/,
  user admin, password in $KATHELFER_STATE/keycloak/env). Development users (never in a production realm):
$staff_users
Mail (every mail the platform sends, kept by the local SMTP server): $(bash hack/mail.sh env | sed -n 's/^MAIL_WEB_URL=//p')

Declare an incident and watch real pods surge:
  kubectl -n kathelfer apply -f crds/samples/disasterevent.yaml
  kubectl -n kathelfer get pods -w
End it:
  kubectl -n kathelfer patch disasterevent hochwasser-ahr --type=merge -p '{"spec":{"state":"Ended"}}'

MSG

[ "${KATHELFER_DETACH:-}" = 1 ] && { echo "Detached: stop everything with npm stop (data is kept)."; exit 0; }

stop_started() {
  trap - INT TERM
  echo
  log "stopping what this run started (data is kept)"
  for svc in registration tasks matching; do
    stop_pid "port-forward $svc" "$dir/$svc.forward.pid" "port-forward svc/$svc"
  done
  bash hack/pods-host-services.sh down
  bash hack/mail.sh down
  [ "$keycloak_was_up" = 1 ] || bash hack/keycloak.sh down
  [ "$node_was_up" = 1 ] || bash hack/node.sh down
  [ "$datastores_were_up" = 1 ] || bash hack/datastores.sh down
  [ "$cluster_was_up" = 1 ] || bash hack/cluster.sh down
  exit 0
}
trap stop_started INT TERM
echo "Running. Ctrl-C stops everything this run started (data is kept)."
while true; do
  sleep 5 & wait $!
  for svc in registration tasks matching; do
    pid_alive "$dir/$svc.forward.pid" "port-forward svc/$svc" || log "the port-forward to $svc stopped; see $dir/$svc.forward.log"
  done
done
