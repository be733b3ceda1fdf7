#!/usr/bin/env bash
# `npm start`: brings up the platform locally — the local Kubernetes control plane (or the cluster
# KUBECONFIG names, with KATHELFER_USE_EXISTING_CLUSTER=1), PostgreSQL and Redis, the CRDs and
# manifests/overlays/local, the operator and the services as processes on this machine — then stays
# in the foreground: Ctrl-C stops everything this run started (what was already running stays).
# Idempotent: a second run reuses what runs. KATHELFER_DETACH=1 returns once all is up instead;
# `npm stop` then stops it all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source hack/lib.sh

bash hack/ensure-deps.sh
# The platform as real pods on a real node where this machine can run one (hack/start-pods.sh);
# elsewhere the processes below, and it says why. KATHELFER_PROCESSES=1 asks for the processes.
if [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" != 1 ] && [ "${KATHELFER_PROCESSES:-}" != 1 ]; then
  if reason=$(bash hack/node.sh check); then exec bash hack/start-pods.sh; fi
  log "NO REAL NODE on this machine: $reason."
  log "Falling back to the services and the operator as processes on this machine; kwok's pods stand in for theirs."
fi
cluster_was_up=0; datastores_were_up=0
bash hack/cluster.sh status >/dev/null 2>&1 && cluster_was_up=1
bash hack/datastores.sh status >/dev/null 2>&1 && datastores_were_up=1
# Staff sign in through the local Keycloak (hack/keycloak.sh, started alongside the plane: about a
# minute); KATHELFER_SIGN_IN=secret (npm run demo, which signs its own tokens) runs the services with
# the development secret instead.
sign_in=${KATHELFER_SIGN_IN:-keycloak}
keycloak_was_up=0
bash hack/keycloak.sh status >/dev/null 2>&1 && keycloak_was_up=1
if [ "$sign_in" = keycloak ]; then
  # its ports and TLS certificate first: kube-apiserver trusts its issuer from the start (cluster.sh)
  bash hack/keycloak.sh prepare >/dev/null
  bash hack/keycloak.sh up >"$KATHELFER_STATE/keycloak-up.log" 2>&1 & keycloak_up=$!
fi
if [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" = 1 ]; then
  [ -n "${KUBECONFIG:-}" ] || die "KATHELFER_USE_EXISTING_CLUSTER=1 needs KUBECONFIG pointing at your cluster"
  kubeconfig=$KUBECONFIG
  command -v kubectl >/dev/null || die "kubectl is needed to use an existing cluster"
  kubectl=(kubectl --kubeconfig "$kubeconfig")
  log "using the existing cluster in $kubeconfig"
else
  kubeconfig=$(bash hack/cluster.sh up)
  kubectl=("$(cat "$KATHELFER_STATE/cluster/bin")/kubectl" --kubeconfig "$kubeconfig")
fi
envfile=$(bash hack/datastores.sh up)
bash hack/mail.sh up   # issue 17: the local SMTP server that keeps and shows the mails
notify_env=$(bash hack/notify-env.sh)
if [ "$sign_in" = keycloak ]; then
  wait "$keycloak_up" || { cat "$KATHELFER_STATE/keycloak-up.log" >&2; die "Keycloak did not start"; }
  # shellcheck disable=SC1091
  source "$KATHELFER_STATE/keycloak/env"
  identity=(JWT_JWKS_URL="$KEYCLOAK_ISSUER/protocol/openid-connect/certs" JWT_ISSUER="$KEYCLOAK_ISSUER" JWT_AUDIENCE=kathelfer)
else
  identity=(JWT_SECRET=local-development-only-secret-not-for-production)
fi

log "installing the CRDs and manifests/overlays/local"
"${kubectl[@]}" apply --server-side --force-conflicts -k crds >/dev/null
"${kubectl[@]}" wait --for=condition=Established crd/disasterevents.kathelfer.io crd/surgeplans.kathelfer.io --timeout=60s >/dev/null
"${kubectl[@]}" apply --server-side --force-conflicts -k manifests/overlays/local >/dev/null

mkdir -p "$KATHELFER_STATE/platform"
operator_pid="$KATHELFER_STATE/platform/operator.pid"
if pid_alive "$operator_pid" operator/src/main.ts; then
  log "the operator already runs (pid $(cat "$operator_pid"))"
else
  operator_port=$(free_port)
  echo "$operator_port" >"$KATHELFER_STATE/platform/operator.port"
  KUBECONFIG=$kubeconfig POD_NAMESPACE=kathelfer start_bg operator "$operator_pid" "$KATHELFER_STATE/platform/operator.log" \
    node --import tsx operator/src/main.ts --leader-elect=true --metrics-host=127.0.0.1 --metrics-port="$operator_port"
  wait_for operator 60 curl -sf "http://127.0.0.1:$operator_port/readyz" || die "the operator did not become ready; see $KATHELFER_STATE/platform/operator.log"
fi

# The services run as processes on this machine next to the plane (in the cluster, kwok stands in
# for their pods so that the surge is observable).
checkin_secret=local-development-only-check-in-code-secret
services_summary=""
# Every service serves the web pages; they call the three APIs across these origins (CORS).
npx tsx web/build.ts --if-stale
declare -A ports=()
for svc in registration tasks matching; do
  [ -f "services/$svc/src/server.ts" ] || continue
  if pid_alive "$KATHELFER_STATE/platform/$svc.pid" "services/$svc/src/server.ts"; then
    ports[$svc]=$(cat "$KATHELFER_STATE/platform/$svc.port")
  else
    ports[$svc]=$(free_port)
  fi
done
url_of() { [ -n "${ports[$1]:-}" ] && echo "http://127.0.0.1:${ports[$1]}"; }
origins=$(for svc in "${!ports[@]}"; do url_of "$svc"; done | paste -sd, -)
for svc in registration tasks matching; do
  [ -f "services/$svc/src/server.ts" ] || continue
  pidfile="$KATHELFER_STATE/platform/$svc.pid"
  port=${ports[$svc]}
  if ! pid_alive "$pidfile" "services/$svc/src/server.ts"; then
    echo "$port" >"$KATHELFER_STATE/platform/$svc.port"
    # shellcheck disable=SC2046
    start_bg "$svc" "$pidfile" "$KATHELFER_STATE/platform/$svc.log" \
      env $(grep -E '^(DATABASE_URL|REDIS_URL)=' "$envfile") $notify_env PORT="$port" "${identity[@]}" CHECKIN_SECRET="$checkin_secret" LOG_LEVEL=info \
        PUBLIC_REGISTRATION_URL="$(url_of registration)" PUBLIC_TASKS_URL="$(url_of tasks)" PUBLIC_MATCHING_URL="$(url_of matching)" CORS_ALLOWED_ORIGINS="$origins" \
      node --import tsx "services/$svc/src/server.ts"
    wait_for "$svc" 60 curl -sf "http://127.0.0.1:$port/readyz" || die "$svc did not become ready; see $KATHELFER_STATE/platform/$svc.log"
  fi
  services_summary+="  $svc: http://127.0.0.1:$port  (API description: /openapi.json, log: $KATHELFER_STATE/platform/$svc.log)"$'\n'
done
if [ "$sign_in" = keycloak ]; then
  staff_summary="  Staff sign in through Keycloak ($KEYCLOAK_URL/realms/kathelfer, admin console $KEYCLOAK_URL/admin/,
  user admin, password in $KATHELFER_STATE/keycloak/env). Development users (never in a production realm):
$(bash hack/keycloak.sh users | sed 's/^/    /')"
else
  # A coordinator token signed with the development secret (90 minutes, the longest the services accept).
  coordinator_token=$(JWT_SECRET=local-development-only-secret-not-for-production node --input-type=module -e "
    import { SignJWT } from 'jose';
    process.stdout.write(await new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('local-coordinator')
      .setIssuer('kathelfer-development').setAudience('kathelfer').setIssuedAt().setExpirationTime('90m').sign(new TextEncoder().encode(process.env.JWT_SECRET)));")
  staff_summary="  Coordinator token (development secret, 90 min): $coordinator_token"
fi
pages_summary="  Helpers register (phone-sized):  $(url_of registration)/?incident=hochwasser-ahr
    (the confirmation shows each helper's personal self-service link, $(url_of registration)/me.html#token=…)
  Coordinators sign in:             $(url_of tasks)/coordinator.html   (incident hochwasser-ahr; user koordination)
  Site leads sign in:               $(url_of tasks)/site.html?site=<id>   (the link is on the coordinator page; user einsatzstelle)
$staff_summary
"

cat <<MSG

Kathelfer's local platform is up (state in $KATHELFER_STATE).

  export KUBECONFIG=$kubeconfig
$( [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" = 1 ] || printf '  export PATH=%s:"$PATH"   # kubectl matching the API server\n' "$(cat "$KATHELFER_STATE/cluster/bin")" )
  PostgreSQL and Redis: $(grep -E '^(DATABASE_URL|REDIS_URL)=' "$envfile" | tr '\n' ' ')
  Operator: metrics http://127.0.0.1:$(cat "$KATHELFER_STATE/platform/operator.port")/metrics, log $KATHELFER_STATE/platform/operator.log
Services:
$services_summary
Mail (every mail the platform sends, kept by the local SMTP server): $(bash hack/mail.sh env | sed -n 's/^MAIL_WEB_URL=//p')
Web pages (served by every service):
$pages_summary
Declare an incident and watch the services surge:
  kubectl -n kathelfer apply -f crds/samples/disasterevent.yaml
  kubectl -n kathelfer wait --for=condition=Ready disasterevent/hochwasser-ahr --timeout=120s
  kubectl -n kathelfer get disasterevents -w
End it:
  kubectl -n kathelfer patch disasterevent hochwasser-ahr --type=merge -p '{"spec":{"state":"Ended"}}'

MSG

[ "${KATHELFER_DETACH:-}" = 1 ] && { echo "Detached: stop everything with npm stop (data is kept)."; exit 0; }

stop_started() {
  trap - INT TERM
  echo
  log "stopping what this run started (data is kept)"
  for svc in registration tasks matching; do
    stop_pid "$svc" "$KATHELFER_STATE/platform/$svc.pid" "services/$svc/src/server.ts" TERM 30
  done
  stop_pid operator "$operator_pid" operator/src/main.ts
  bash hack/mail.sh down
  [ "$datastores_were_up" = 1 ] || bash hack/datastores.sh down
  [ "$keycloak_was_up" = 1 ] || bash hack/keycloak.sh down
  [ "${KATHELFER_USE_EXISTING_CLUSTER:-}" = 1 ] || [ "$cluster_was_up" = 1 ] || bash hack/cluster.sh down
  exit 0
}
trap stop_started INT TERM
echo "Running. Ctrl-C stops everything this run started (data is kept)."
while true; do
  sleep 5 & wait $!
  pid_alive "$operator_pid" operator/src/main.ts || log "the operator is not running; see $KATHELFER_STATE/platform/operator.log"
done
