#!/usr/bin/env bash
# A real node next to the kwok nodes of the local plane (hack/cluster.sh): containerd v2, kubelet,
# kube-proxy (iptables mode) and CoreDNS as processes on this machine, built by hack/build-node.sh;
# runc and the CNI plugins from Debian's packages. Pods get real containers on a bridge this script
# creates; the bridge has no route out and nothing masquerades, so nothing leaves the machine.
#
#   hack/node.sh check     exit 0 when this machine can run a real node, else say why (exit 3)
#   hack/node.sh up        start (or reuse) the node of the plane in $KATHELFER_STATE; prints its name
#   hack/node.sh down      stop it and restore every host change it made (see "Host changes")
#   hack/node.sh status    exit 0 when the node runs and is Ready
#   hack/node.sh env       print shell exports (CONTAINERD_ADDRESS, KATHELFER_NODE_IP, …)
#   hack/node.sh bridge    create the bridge alone (so that PostgreSQL and Redis can listen on it)
#   hack/node.sh bridge-address   print the bridge's address when the bridge exists (exit 1 if not)
#   hack/node.sh host-state       print what of the host the node changes (compared before/after)
#   hack/node.sh expose-host NAMESPACE NAME PORT [HOST_PORT] [--forward]
#                          a selector-less Service NAME:PORT in NAMESPACE whose EndpointSlice points
#                          at HOST_PORT (default PORT) on the bridge address: how pods reach a server
#                          on this machine. --forward for a server that listens on loopback only:
#                          socat forwards bridge:HOST_PORT to 127.0.0.1:HOST_PORT (`down` stops it)
#   hack/node.sh expose-datastores NAMESPACE
#                          expose-host for the host's PostgreSQL and Redis (they listen on the
#                          bridge too): Services postgres:5432 and redis:6379, the shape of managed
#                          databases (OTC RDS / DCS)
#
# Host changes (all undone by `down`; recorded in $host_dir, which lives in /run so a reboot, which
# resets them anyway, also forgets the record): the bridge kathelfer0 (10.244.0.1/24); sysctls
# (the kubelet sets vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops,
# kernel.keys.*; this script sets net.ipv4.ip_forward and net.bridge.bridge-nf-call-iptables);
# iptables chains KUBE-* (kube-proxy, kubelet) and KATHELFER-* (the bridge's isolation); cgroups
# under /kathelfer-node in every hierarchy; network namespaces /run/netns/cni-*; shim sockets in
# /run/containerd; CNI cache files /var/lib/cni/results/{kathelfer,cni-loopback}-*; /var/log/containers links.
# Everything else (containerd's root and state, the kubelet's root, pod logs, IP allocations,
# certificates) lives in $KATHELFER_STATE/node.
#
# One real node per machine: its bridge, iptables chains and /var/log/containers are machine-wide.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

dir="$KATHELFER_STATE/node"
cluster_dir="$KATHELFER_STATE/cluster"
node_name=kathelfer-real-node
bridge=kathelfer0
node_ip=10.244.0.1
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/16 # the plane's --service-cluster-ip-range (hack/cluster.sh)
cgroup_root=/kathelfer-node
host_dir=/run/kathelfer-node
cni_network=kathelfer
# the label and taint that the workloads of manifests/overlays/local select and tolerate
node_label=kathelfer.io/real-node
components=(containerd coredns kube-proxy kubelet apiserver-proxy)
# sysctls the kubelet (pkg/kubelet/cm/container_manager_linux.go setupKernelTunables), kube-proxy
# or this script may change; their values before `up` are restored by `down`.
sysctls=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.route_localnet)

bin_dir() { [ -f "$dir/bin" ] && cat "$dir/bin"; }
# What a component's command line contains (pid_alive): its binary, or socat for the API proxy.
cmd_of() { if [ "$1" = apiserver-proxy ]; then echo "socat TCP-LISTEN:"; else echo "$(bin_dir)/$1"; fi; }
kubectl_admin() { "$(cat "$cluster_dir/bin")/kubectl" --kubeconfig "$cluster_dir/kubeconfig" "$@"; }

# Why this machine can't run a real node, or nothing. Checked before anything is changed.
why_not() {
  [ "$(uname -s)" = Linux ] || { echo "a real node needs Linux (this is $(uname -s))"; return; }
  [ "$(id -u)" = 0 ] || { echo "a real node needs root (containerd, the kubelet and kube-proxy change cgroups, iptables and network namespaces)"; return; }
  [ -d /sys/fs/cgroup ] && { [ -f /sys/fs/cgroup/cgroup.controllers ] || [ -d /sys/fs/cgroup/memory ]; } ||
    { echo "a real node needs cgroups (no cgroup v1 memory controller or cgroup v2 in /sys/fs/cgroup)"; return; }
  command -v ip >/dev/null || { echo "a real node needs iproute2 (ip)"; return; }
  [ -w /proc/sys/net/ipv4/ip_forward ] || { echo "a real node needs a writable /proc/sys (this looks like an unprivileged container)"; return; }
  if [ -f "$host_dir/owner" ] && [ "$(cat "$host_dir/owner")" != "$KATHELFER_STATE" ] && owner_alive; then
    echo "another real node runs on this machine (state $(cat "$host_dir/owner")); one per machine: its bridge and iptables chains are machine-wide"
    return
  fi
}

# The node recorded in $host_dir still has a live kubelet or containerd.
owner_alive() {
  local other; other=$(cat "$host_dir/owner")
  [ -f "$other/node/bin" ] || return 1
  pid_alive "$other/node/kubelet.pid" "$(cat "$other/node/bin")/kubelet" ||
    pid_alive "$other/node/containerd.pid" "$(cat "$other/node/bin")/containerd"
}

ensure_packages() {
  local missing=()
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v socat >/dev/null || missing+=(socat)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

record_host_state() {
  mkdir -p "$host_dir"
  echo "$KATHELFER_STATE" >"$host_dir/owner"
  [ -f "$host_dir/sysctls" ] && return 0 # a node that was not taken down: keep the first record
  local s
  for s in "${sysctls[@]}"; do
    [ -e "/proc/sys/${s//.//}" ] && echo "$s=$(sysctl -n "$s")"
  done >"$host_dir/sysctls.partial"
  local d
  for d in /run/containerd /var/log/containers /var/lib/cni /run/netns; do [ -e "$d" ] && echo "$d"; done >"$host_dir/existed"
  mv "$host_dir/sysctls.partial" "$host_dir/sysctls"
}

make_bridge() {
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
  # Not `ip … | grep -q`: ip writes in several chunks, and when grep has matched and exited, the next
  # write ends ip with SIGPIPE, which pipefail turns into "no match" (seen: "Address already assigned").
  [[ "$(ip addr show dev "$bridge")" == *"inet $node_ip/"* ]] || ip addr add "$node_ip/24" dev "$bridge"
  ip link set "$bridge" up
}

# Pods have no default route (the CNI config routes only the service range), and forwarding
# between the bridge and any other interface is dropped: nothing a pod sends leaves the machine.
isolate_bridge() {
  iptables -w -N KATHELFER-NODE-ISOLATION 2>/dev/null || iptables -w -F KATHELFER-NODE-ISOLATION
  iptables -w -A KATHELFER-NODE-ISOLATION -i "$bridge" ! -o "$bridge" -j DROP
  iptables -w -A KATHELFER-NODE-ISOLATION ! -i "$bridge" -o "$bridge" -j DROP
  iptables -w -C FORWARD -j KATHELFER-NODE-ISOLATION 2>/dev/null || iptables -w -I FORWARD 1 -j KATHELFER-NODE-ISOLATION
}

make_pki() {
  local pki="$dir/pki" ca="$cluster_dir/pki" name cn org
  mkdir -p "$pki" && chmod 700 "$pki"
  # kubelet: the Node authorizer and NodeRestriction know it by CN system:node:<name>, O system:nodes;
  # kube-proxy: system:kube-proxy is bound to system:node-proxier by the default RBAC policy;
  # CoreDNS: its own user, bound to a ClusterRole below.
  for name in kubelet kube-proxy coredns; do
    # kept across runs, unless the plane's CA is new (hack/cluster.sh purge)
    [ -f "$pki/$name.crt" ] && openssl verify -CAfile "$ca/ca.crt" "$pki/$name.crt" >/dev/null 2>&1 && continue
    case $name in
      kubelet) cn=system:node:$node_name org=system:nodes ;;
      kube-proxy) cn=system:kube-proxy org= ;;
      coredns) cn=system:kathelfer-coredns org= ;;
    esac
    openssl req -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" \
      -subj "${org:+/O=$org}/CN=$cn" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >"$pki/$name.ext"
    openssl x509 -req -in "$pki/$name.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
      -out "$pki/$name.crt" -days 3650 -extfile "$pki/$name.ext" 2>/dev/null
    rm -f "$pki/$name.csr" "$pki/$name.ext"
  done
}

write_kubeconfig() { # NAME API_PORT
  cat >"$dir/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kathelfer-local
  cluster: {server: "https://127.0.0.1:$2", certificate-authority: "$cluster_dir/pki/ca.crt"}
users:
- name: $1
  user: {client-certificate: "$dir/pki/$1.crt", client-key: "$dir/pki/$1.key"}
contexts:
- name: kathelfer-local
  context: {cluster: kathelfer-local, user: $1}
current-context: kathelfer-local
KC
}

write_configs() {
  local b=$1 api_port=$2 kubelet_port=$3 kubelet_healthz=$4 proxy_healthz=$5 proxy_metrics=$6 dns_health=$7 dns_ready=$8
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/cni/ipam" "$dir/kubelet" "$dir/pod-logs" "$dir/run"
  # containerd's own root, state, socket and runc root; its CRI plugin with the pitfalls of this
  # machine handled: root lacks CAP_SYS_RESOURCE, so a sandbox may not lower its oom_score_adj below
  # containerd's own (restrict_oom_score_adj), and the sandbox image is the local pause image.
  cat >"$dir/containerd/config.toml" <<TOML
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
imports = []
[grpc]
  address = "$dir/containerd/containerd.sock"
[ttrpc]
  address = "$dir/containerd/containerd.sock.ttrpc"
[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$dir/containerd/opt"
  [plugins.'io.containerd.image-verifier.v1.bindir']
    bin_dir = "$dir/containerd/opt/image-verifier/bin"
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.grpc.v1.cri']
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$(cat "$b/pause.ref")"
  [plugins.'io.containerd.cri.v1.runtime']
    restrict_oom_score_adj = true
    # the pods' network namespaces under containerd's state, not in the host's /run/netns
    netns_mounts_under_state_dir = true
    enable_selinux = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$(command -v runc)"
          Root = "$dir/run/runc"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["/usr/lib/cni"]
      conf_dir = "$dir/cni/net.d"
      max_conf_num = 1
TOML
  cat >"$dir/cni/net.d/10-$cni_network.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$cni_network",
  "plugins": [{
    "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {
      "type": "host-local", "dataDir": "$dir/cni/ipam",
      "ranges": [[{"subnet": "$pod_cidr", "gateway": "$node_ip"}]],
      "routes": [{"dst": "$service_cidr"}]
    }
  }]
}
JSON
  write_kubeconfig kubelet "$api_port"
  write_kubeconfig kube-proxy "$api_port"
  write_kubeconfig coredns "$api_port"
  : >"$dir/resolv.conf" # pods get the cluster DNS and search domains only, nothing of the host's
  cat >"$dir/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# this machine has cgroup v1, which Kubernetes 1.35+ refuses unless told otherwise
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $cgroup_root
failSwapOn: false
address: $node_ip
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
podLogsDir: $dir/pod-logs
resolvConf: $dir/resolv.conf
clusterDomain: cluster.local
clusterDNS: [$node_ip]
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $cluster_dir/pki/ca.crt}
authorization: {mode: Webhook}
registerWithTaints:
  - {key: $node_label, value: "true", effect: NoSchedule}
serializeImagePulls: false
YAML
  cat >"$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $node_name
clientConnection: {kubeconfig: $dir/kube-proxy.kubeconfig}
clusterCIDR: $pod_cidr
# NodePorts only on the node's address (the bridge), never on loopback (no route_localnet)
nodePortAddresses: [primary]
healthzBindAddress: 127.0.0.1:$proxy_healthz
metricsBindAddress: 127.0.0.1:$proxy_metrics
# 0: leave the host's conntrack limits and timeouts alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
# apply endpoint changes at once: a pod that turns unready or terminates leaves the Service fast
iptables: {minSyncPeriod: 0s, syncPeriod: 30s}
YAML
  # CoreDNS on the bridge address answers cluster.local from the API; no forward plugin: names
  # outside the cluster get no answer (nothing leaves the machine).
  cat >"$dir/Corefile" <<COREFILE
.:53 {
  bind $node_ip
  errors
  health 127.0.0.1:$dns_health
  ready 127.0.0.1:$dns_ready
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $dir/coredns.kubeconfig kathelfer-local
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
    ttl 5
  }
  cache 5
  loadbalance
}
COREFILE
}

coredns_rbac() {
  kubectl_admin apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:kathelfer-coredns"}
rules:
  - {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:kathelfer-coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kathelfer-coredns"}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:kathelfer-coredns"}
YAML
}

running() {
  local b; b=$(bin_dir) || return 1
  for c in "${components[@]}"; do pid_alive "$dir/$c.pid" "$(cmd_of "$c")" || return 1; done
  kubectl_admin get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

node_ready() { running; }
containerd_ready() { "$1/ctr" --address "$dir/containerd/containerd.sock" version; }

up() {
  local reason; reason=$(why_not)
  [ -z "$reason" ] || { log "no real node on this machine: $reason"; exit 3; }
  [ -f "$cluster_dir/ports.env" ] || die "no local control plane in $KATHELFER_STATE; run: hack/cluster.sh up"
  if running; then log "the real node already runs"; echo "$node_name"; return 0; fi
  ensure_packages
  local b; b=$("$here/build-node.sh")
  mkdir -p "$dir/logs"
  echo "$b" >"$dir/bin"
  record_host_state
  # the bridge netfilter hooks make kube-proxy's DNAT apply to pod-to-pod traffic on one bridge;
  # forwarding is needed for pod → ClusterIP → pod through the host
  sysctl -qw net.ipv4.ip_forward=1
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  make_bridge
  isolate_bridge
  local c
  for c in /sys/fs/cgroup/*/; do
    [ -L "${c%/}" ] || [ "$(basename "$c")" = unified ] || mkdir -p "$c${cgroup_root#/}"
  done
  # A new cgroup weighs as much as one process of the host (cpu.shares 1024): twenty pods starting
  # at once then shared one process's slice of a busy machine, and a surge took minutes. The node
  # weighs what it offers as allocatable: one process per core.
  [ -f "/sys/fs/cgroup/cpu/${cgroup_root#/}/cpu.shares" ] && echo $(( 1024 * $(nproc) )) >"/sys/fs/cgroup/cpu/${cgroup_root#/}/cpu.shares"
  make_pki
  # shellcheck source=/dev/null
  source "$cluster_dir/ports.env"
  write_configs "$b" "$API_PORT" "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)"
  coredns_rbac

  PATH="$b:$PATH" start_bg containerd "$dir/containerd.pid" "$dir/logs/containerd.log" \
    "$b/containerd" --config "$dir/containerd/config.toml"
  wait_for containerd 30 containerd_ready "$b" || fail_up containerd
  # the sandbox image and the node tests' workload (hack/build-node.sh); the platform's images
  # come from `npm run images` (hack/images.sh load)
  local image
  for image in "$b"/*.oci.tar; do
    "$b/ctr" --address "$dir/containerd/containerd.sock" -n k8s.io images import --local "$image" >>"$dir/logs/ctr.log" 2>&1
  done

  start_bg kubelet "$dir/kubelet.pid" "$dir/logs/kubelet.log" "$b/kubelet" \
    --config="$dir/kubelet/config.yaml" --kubeconfig="$dir/kubelet.kubeconfig" --root-dir="$dir/kubelet" \
    --hostname-override="$node_name" --node-ip="$node_ip" --node-labels="$node_label=true" --v=1
  start_bg kube-proxy "$dir/kube-proxy.pid" "$dir/logs/kube-proxy.log" "$b/kube-proxy" \
    --config="$dir/kube-proxy.yaml" --v=1
  start_bg coredns "$dir/coredns.pid" "$dir/logs/coredns.log" "$b/coredns" -conf "$dir/Corefile"
  # Pods reach the API server as every in-cluster client does, at the kubernetes Service
  # (10.96.0.1:443, in the serving certificate): the plane listens on loopback only, so socat
  # forwards the bridge address to it, and an EndpointSlice points the Service there (the plane
  # runs without an endpoint reconciler).
  start_bg apiserver-proxy "$dir/apiserver-proxy.pid" "$dir/logs/apiserver-proxy.log" \
    "$(command -v socat)" "TCP-LISTEN:$API_PORT,bind=$node_ip,reuseaddr,fork" "TCP:127.0.0.1:$API_PORT"
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes-real-node
  namespace: default
  labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: kathelfer-hack-node}
addressType: IPv4
ports: [{name: https, port: $API_PORT, protocol: TCP}]
endpoints: [{addresses: ["$node_ip"], conditions: {ready: true}}]
YAML
  wait_for "the real node" 120 node_ready || {
    for c in "${components[@]}"; do pid_alive "$dir/$c.pid" "$(cmd_of "$c")" || fail_up "$c"; done
    fail_up kubelet
  }
  log "real node $node_name Ready at $node_ip (pods on $bridge, $pod_cidr)"
  echo "$node_name"
}

# Deletes every iptables rule that jumps to, and every chain named, KUBE-* or KATHELFER-*.
remove_chains() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A .*-j (KUBE|KATHELFER)-' | grep -vE '^-A (KUBE|KATHELFER)-' |
        while read -r rule; do
          eval "$cmd -w -t $table -D ${rule#-A }" 2>/dev/null || true
        done || true # no such rule: grep fails, which is fine
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|KATHELFER\)-[^ ]*\) .*/\1/p'); do
        "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|KATHELFER\)-[^ ]*\) .*/\1/p'); do
        "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Removes a cgroup tree depth first (a cgroup is removed with rmdir once it has no processes).
remove_cgroups() {
  local c d
  for c in /sys/fs/cgroup/*/; do
    [ -d "$c${cgroup_root#/}" ] || continue
    find "$c${cgroup_root#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# Kills every process left in the node's cgroups (containers, whose shim is gone with containerd).
kill_cgroup_procs() {
  local f pid
  for f in /sys/fs/cgroup/*/"${cgroup_root#/}"; do
    [ -d "$f" ] || continue
    { find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null || true; } | sort -u | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
}

down_quiet() {
  local b; b=$(bin_dir) || b=""
  if [ -n "$b" ]; then
    # the kubelet first, so that it does not restart what is stopped next; then the pods' processes
    stop_pid kubelet "$dir/kubelet.pid" "$b/kubelet"
    stop_pid kube-proxy "$dir/kube-proxy.pid" "$b/kube-proxy"
    stop_pid coredns "$dir/coredns.pid" "$b/coredns"
    stop_pid apiserver-proxy "$dir/apiserver-proxy.pid" "$(cmd_of apiserver-proxy)"
    local forward
    for forward in "$dir"/forward-*.pid; do
      [ -f "$forward" ] && stop_pid "$(basename "$forward" .pid)" "$forward" "socat TCP-LISTEN:"
    done
    kill_cgroup_procs
    # the shims of this containerd (found by its socket in their command line) and containerd itself
    local pid
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/containerd/containerd.sock" || true); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    stop_pid containerd "$dir/containerd.pid" "$b/containerd"
    kill_cgroup_procs
  fi
  [ -f "$host_dir/owner" ] && [ "$(cat "$host_dir/owner")" = "$KATHELFER_STATE" ] || return 0
  # mounts: the kubelet's volumes, containerd's rootfs and shm, the sandboxes' network namespaces
  local m
  { findmnt -rn -o TARGET | grep -E "^($dir/|/run/netns/cni-)" || true; } | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -f /run/netns/cni-*
  ip link del "$bridge" 2>/dev/null || true
  remove_chains
  remove_cgroups
  # libcni caches each attachment, of our network and of containerd's own loopback
  rm -f /var/lib/cni/results/"$cni_network"-* /var/lib/cni/results/cni-loopback-* /run/containerd/s/* 2>/dev/null || true
  find /var/log/containers -maxdepth 1 -type l -lname "$dir/*" -delete 2>/dev/null || true
  local d
  for d in /run/containerd/s /run/containerd /var/log/containers /var/lib/cni/results /var/lib/cni /run/netns; do
    grep -qx "$d" "$host_dir/existed" 2>/dev/null || rmdir "$d" 2>/dev/null || true
  done
  local line
  if [ -f "$host_dir/sysctls" ]; then
    while IFS= read -r line; do sysctl -qw "$line" || log "could not restore $line"; done <"$host_dir/sysctls"
  fi
  kubectl_admin delete node "$node_name" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kubectl_admin -n default delete endpointslice kubernetes-real-node --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$host_dir"
}

# expose_host NAMESPACE NAME PORT HOST_PORT [--forward]: see the usage at the top.
expose_host() {
  local ns=$1 name=$2 port=$3 target=$4 forward=${5:-}
  if [ "$forward" = --forward ]; then
    running || die "no real node (its bridge) to forward on; run: hack/node.sh up"
    # keyed by the port: one listener per bridge port, whichever namespaces share it
    local pidfile="$dir/forward-$target.pid"
    if ! pid_alive "$pidfile" "socat TCP-LISTEN:$target,bind=$node_ip"; then
      start_bg "$name forward" "$pidfile" "$dir/logs/forward-$target.log" \
        "$(command -v socat)" "TCP-LISTEN:$target,bind=$node_ip,reuseaddr,fork" "TCP:127.0.0.1:$target"
    fi
  fi
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $name
  namespace: $ns
  labels: {app.kubernetes.io/part-of: kathelfer}
spec:
  ports: [{name: $name, port: $port, targetPort: $target, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $name-host
  namespace: $ns
  labels: {kubernetes.io/service-name: $name, endpointslice.kubernetes.io/managed-by: kathelfer-hack-node}
addressType: IPv4
ports: [{name: $name, port: $target, protocol: TCP}]
endpoints: [{addresses: ["$node_ip"], conditions: {ready: true}}]
YAML
}

expose_datastores() {
  local ns=$1 envfile="$KATHELFER_STATE/datastores/env"
  [ -f "$envfile" ] || die "no PostgreSQL and Redis in $KATHELFER_STATE; run: hack/datastores.sh up"
  # shellcheck source=/dev/null
  source "$envfile"
  expose_host "$ns" postgres 5432 "$PGPORT"
  expose_host "$ns" redis 6379 "$REDIS_PORT"
}

# What of the host this node changes, one line each, for `down` to be checked against (the
# values before `up` and after `down` must be equal). Chain counters are left out.
host_state() {
  local s
  for s in "${sysctls[@]}"; do [ -e "/proc/sys/${s//.//}" ] && echo "sysctl $s=$(sysctl -n "$s")"; done
  local cmd
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null || continue
    "$cmd-save" 2>/dev/null | grep -E '^:(KUBE|KATHELFER|CNI)-|-j (KUBE|KATHELFER|CNI)-' | sed "s/ \[[0-9:]*\]\$//; s/^/$cmd /" || true
  done
  ip -o link show 2>/dev/null | grep -E "$bridge" | awk -F': ' '{print "link " $2}' | sed 's/@.*//' || true
  ls -d /sys/fs/cgroup/*/"${cgroup_root#/}" 2>/dev/null | sed 's/^/cgroup /' || true
  find /run/netns /var/lib/cni /run/containerd /var/log/containers "$host_dir" -maxdepth 3 2>/dev/null | sed 's/^/path /' || true
  findmnt -rn -o TARGET | grep -E "^($dir/|/run/netns/)" | sed 's/^/mount /' || true
  ps -eo args= | grep -F -- "$dir/" | grep -v -e grep -e 'node.sh' | sed 's/^/process /' || true
  return 0
}

case "${1:-}" in
  host-state) host_state ;;
  bridge-address) [[ "$(ip -4 -o addr show dev "$bridge" 2>/dev/null)" == *"inet $node_ip/"* ]] && echo "$node_ip" ;;
  check) reason=$(why_not); [ -z "$reason" ] || { echo "$reason"; exit 3; } ;;
  up) up ;;
  down) down_quiet; log "real node stopped and host state restored" ;;
  bridge)
    reason=$(why_not); [ -z "$reason" ] || { log "no real node on this machine: $reason"; exit 3; }
    record_host_state; make_bridge; echo "$node_ip" ;;
  status) if running; then echo "running: $node_name ($node_ip)"; else echo "not running"; exit 1; fi ;;
  env) running || die "no real node; run: hack/node.sh up"
    printf 'export CONTAINERD_ADDRESS=%q\nexport KATHELFER_NODE=%q\nexport KATHELFER_NODE_IP=%q\nexport KATHELFER_NODE_BIN=%q\nexport KATHELFER_NODE_TEST_IMAGE=%q\n' \
      "$dir/containerd/containerd.sock" "$node_name" "$node_ip" "$(bin_dir)" "$(cat "$(bin_dir)/nettest.ref")" ;;
  expose-host)
    shift; args=(); forward=""
    for a in "$@"; do if [ "$a" = --forward ]; then forward=--forward; else args+=("$a"); fi; done
    [ "${#args[@]}" -ge 3 ] && [ "${#args[@]}" -le 4 ] || die "usage: $0 expose-host NAMESPACE NAME PORT [HOST_PORT] [--forward]"
    expose_host "${args[0]}" "${args[1]}" "${args[2]}" "${args[3]:-${args[2]}}" "$forward" ;;
  expose-datastores) [ -n "${2:-}" ] || die "usage: $0 expose-datastores NAMESPACE"; expose_datastores "$2" ;;
  *) echo "usage: $0 check|up|down|status|env|bridge|bridge-address|host-state|expose-host NAMESPACE NAME PORT [HOST_PORT] [--forward]|expose-datastores NAMESPACE" >&2; exit 2 ;;
esac
