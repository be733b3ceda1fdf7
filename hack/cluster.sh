#!/usr/bin/env bash
# The local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (fake nodes whose pods turn Running and Ready without a kubelet), all on
# 127.0.0.1 with free ports, built from the pinned Go modules by hack/build-k8s.sh.
#
#   hack/cluster.sh up          start (or reuse) the plane; prints the kubeconfig path
#   hack/cluster.sh down        stop the processes this script started (by pid); keeps etcd's data
#   hack/cluster.sh purge       down, then remove the state (etcd data, certificates, logs)
#   hack/cluster.sh status      exit 0 when the plane runs and answers /readyz
#   hack/cluster.sh kubeconfig  print the kubeconfig path
#   hack/cluster.sh env         print shell exports (KUBECONFIG, PATH with the matching kubectl)
#   hack/cluster.sh restart-apiserver [--down-for SECONDS]   stop and start kube-apiserver alone
#
# KATHELFER_STATE chooses the state directory (default /tmp/kathelfer-$UID);
# KATHELFER_FAKE_NODES the number of fake nodes (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

dir="$KATHELFER_STATE/cluster"
kubeconfig="$dir/kubeconfig"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

bin_dir() { [ -f "$dir/bin" ] && cat "$dir/bin"; }

running() {
  [ -f "$dir/ports.env" ] || return 1
  local b; b=$(bin_dir) || return 1
  for c in "${components[@]}"; do pid_alive "$dir/$c.pid" "$b/$c" || return 1; done
  "$b/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1
}

make_pki() {
  local pki="$dir/pki"
  [ -f "$pki/admin.crt" ] && return 0
  mkdir -p "$pki" && chmod 700 "$pki"
  log "creating a CA, the API server's serving certificate, an admin client certificate and the service-account key"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=kathelfer-local-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    # IP:10.96.0.1, the kubernetes Service's ClusterIP: pods on the real node (hack/node.sh) reach the API there
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
    # system:masters is bound to cluster-admin; used by the local admin and the plane's own components.
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=kathelfer-admin" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 -extfile admin.ext 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

write_kubeconfig() {
  local port=$1
  cat >"$kubeconfig.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kathelfer-local
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $dir/pki/ca.crt
users:
- name: kathelfer-admin
  user:
    client-certificate: $dir/pki/admin.crt
    client-key: $dir/pki/admin.key
contexts:
- name: kathelfer-local
  context: {cluster: kathelfer-local, user: kathelfer-admin}
current-context: kathelfer-local
KC
  mv "$kubeconfig.tmp" "$kubeconfig"
}

fake_nodes() {
  local n=${KATHELFER_FAKE_NODES:-3} i
  for i in $(seq 1 "$n"); do
    cat <<NODE
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: local-$(( (i - 1) % 3 + 1 ))
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "250"}
  capacity: {cpu: "32", memory: 256Gi, pods: "250"}
NODE
  done
}

# kube-apiserver's structured authentication configuration (KEP-3331): staff tokens of the local
# Keycloak's realm over HTTPS (hack/keycloak.sh prepare wrote its issuer and CA) become users
# "oidc:<username>" in groups "oidc:<group>"; without Keycloak, no JWT issuer at all.
authentication_config() {
  local file="$dir/authentication.yaml" kc_env="$KATHELFER_STATE/keycloak/env"
  if [ -f "$kc_env" ]; then
    local issuer ca
    issuer=$(sed -n 's/^KEYCLOAK_TLS_ISSUER=//p' "$kc_env")
    ca=$(sed -n 's/^KEYCLOAK_CA_FILE=//p' "$kc_env")
    {
      printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n'
      printf '  - issuer:\n      url: %s\n      audiences: [kubectl]\n      certificateAuthority: |\n' "$issuer"
      sed 's/^/        /' "$ca"
      printf '    claimMappings:\n      username: {claim: preferred_username, prefix: "oidc:"}\n      groups: {claim: groups, prefix: "oidc:"}\n'
    } >"$file"
  else
    printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt: []\n' >"$file"
  fi
  echo "$file"
}

# Audit: who declared, changed or ended a DisasterEvent (and every request about one), as the
# person the identity provider names; nothing else is logged.
audit_policy() {
  local file="$dir/audit-policy.yaml"
  printf '%s\n' 'apiVersion: audit.k8s.io/v1' 'kind: Policy' 'omitStages: [RequestReceived]' 'rules:' \
    '  - level: Metadata' '    resources: [{group: kathelfer.io, resources: [disasterevents]}]' '  - level: None' >"$file"
  echo "$file"
}

# Node,RBAC and NodeRestriction: the real node's kubelet (hack/node.sh) acts as system:node:<name>;
# the kubelet flags let `kubectl logs/exec/port-forward` reach it on its bridge address.
start_apiserver() {
  local b=$1 etcd_port=$2 api_port=$3 pki="$dir/pki"
  start_bg kube-apiserver "$dir/kube-apiserver.pid" "$dir/logs/kube-apiserver.log" "$b/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --kubelet-client-certificate="$pki/admin.crt" --kubelet-client-key="$pki/admin.key" \
    --endpoint-reconciler-type=none --v=1 \
    --authentication-config="$(authentication_config)" \
    --audit-policy-file="$(audit_policy)" --audit-log-path="$dir/logs/audit.log" --audit-log-maxsize=50 --audit-log-maxbackup=1
}

# Stops and starts kube-apiserver alone (same port, same etcd): for fault tests and drills of what
# clients do when the API server goes away mid-incident.
restart_apiserver() {
  running || die "no local control plane; run: hack/cluster.sh up"
  local b; b=$(bin_dir)
  # shellcheck source=/dev/null
  source "$dir/ports.env"
  # watch connections keep a terminating API server alive for long: give it 3 s, then kill it
  stop_pid kube-apiserver "$dir/kube-apiserver.pid" "$b/kube-apiserver" TERM 3
  [ "${1:-}" = "--down-for" ] && sleep "$2"
  start_apiserver "$b" "$ETCD_PORT" "$API_PORT"
  wait_for kube-apiserver 120 "$b/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz || fail_up kube-apiserver
}

up() {
  if running; then log "control plane already running"; echo "$kubeconfig"; return 0; fi
  down_quiet
  local b; b=$("$here/build-k8s.sh")
  mkdir -p "$dir/logs" "$dir/etcd"
  echo "$b" >"$dir/bin"
  make_pki
  local etcd_port etcd_peer api_port kwok_port
  etcd_port=$(free_port); etcd_peer=$(free_port); api_port=$(free_port); kwok_port=$(free_port)
  printf 'ETCD_PORT=%s\nAPI_PORT=%s\nKWOK_PORT=%s\n' "$etcd_port" "$api_port" "$kwok_port" >"$dir/ports.env"
  local pki="$dir/pki" kubectl=("$b/kubectl" --kubeconfig "$kubeconfig")

  start_bg etcd "$dir/etcd.pid" "$dir/logs/etcd.log" "$b/etcd" --name=local --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="local=http://127.0.0.1:$etcd_peer" --log-level=warn
  wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health" || fail_up etcd

  start_apiserver "$b" "$etcd_port" "$api_port"
  write_kubeconfig "$api_port"
  wait_for kube-apiserver 120 "${kubectl[@]}" get --raw /readyz || fail_up kube-apiserver

  start_bg kube-controller-manager "$dir/kube-controller-manager.pid" "$dir/logs/kube-controller-manager.log" \
    "$b/kube-controller-manager" --kubeconfig="$kubeconfig" --leader-elect=false --secure-port=0 \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --kube-api-qps=500 --kube-api-burst=1000 --concurrent-deployment-syncs=10 --concurrent-replicaset-syncs=10 \
    --horizontal-pod-autoscaler-sync-period=5s --v=1
  start_bg kube-scheduler "$dir/kube-scheduler.pid" "$dir/logs/kube-scheduler.log" \
    "$b/kube-scheduler" --kubeconfig="$kubeconfig" --leader-elect=false --secure-port=0 \
    --kube-api-qps=500 --kube-api-burst=1000 --v=1
  start_bg kwok "$dir/kwok.pid" "$dir/logs/kwok.log" "$b/kwok" --kubeconfig="$kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --config="$b/kwok-stages.yaml" --server-address="127.0.0.1:$kwok_port" \
    --node-ip=127.0.0.1 --node-name=localhost --node-lease-duration-seconds=40

  fake_nodes | "${kubectl[@]}" apply -f - >/dev/null
  wait_for "fake nodes" 60 "${kubectl[@]}" wait --for=condition=Ready nodes --all --timeout=5s || fail_up kwok
  wait_for "default service account" 60 "${kubectl[@]}" get serviceaccount default -n default || fail_up kube-controller-manager
  for c in "${components[@]}"; do pid_alive "$dir/$c.pid" "$b/$c" || fail_up "$c"; done
  log "control plane up: $("${kubectl[@]}" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n1) at https://127.0.0.1:$api_port"
  echo "$kubeconfig"
}

down_quiet() {
  local b; b=$(bin_dir) || return 0
  # reverse order: clients first, etcd last
  for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$c" "$dir/$c.pid" "$b/$c"; done
}

case "${1:-}" in
  up) up ;;
  restart-apiserver) shift; restart_apiserver "$@" ;;
  down) down_quiet; log "control plane stopped (state kept in $dir; 'purge' removes it)" ;;
  purge) down_quiet; rm -rf "$dir"; log "control plane stopped and its state removed" ;;
  status) if running; then echo "running: $kubeconfig"; else echo "not running"; exit 1; fi ;;
  kubeconfig) [ -f "$kubeconfig" ] || die "no local control plane; run: hack/cluster.sh up"; echo "$kubeconfig" ;;
  env) running || die "no local control plane; run: hack/cluster.sh up"; printf 'export KUBECONFIG=%q\nexport PATH=%q:"$PATH"\n' "$kubeconfig" "$(bin_dir)" ;;
  *) echo "usage: $0 up|down|purge|status|kubeconfig|env|restart-apiserver [--down-for SECONDS]" >&2; exit 2 ;;
esac
