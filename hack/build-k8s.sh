#!/usr/bin/env bash
# Builds the local control plane's binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the pinned Go modules in hack/{k8s,etcd,kwok} and caches
# them outside the repository. Prints the bin directory. A second call with the same pins is a
# no-op: the cache key is a hash of this script, versions.env and the wrapper modules' go.mod/go.sum.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

key=$(cat "$here/build-k8s.sh" "$here/versions.env" "$here"/k8s/ldflags.sh "$here"/{k8s,etcd,kwok}/go.{mod,sum} | sha256sum | cut -c1-12)
cache_root="${KATHELFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kathelfer}"
bin="$cache_root/k8s-$K8S_VERSION-$key/bin"
tools=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

complete() { for t in "${tools[@]}"; do [ -x "$bin/$t" ] || return 1; done; [ -f "$bin/kwok-stages.yaml" ]; }
if complete; then echo "$bin"; exit 0; fi

mkdir -p "$cache_root"
exec 9>"$cache_root/build.lock"
flock 9 # another run may be building the same pins right now
if complete; then echo "$bin"; exit 0; fi

log() { echo "build-k8s: $*" >&2; }
command -v go >/dev/null || { log "Go is required to build the local control plane (https://go.dev/doc/install)"; exit 1; }
staging="$bin.partial"
rm -rf "$staging" && mkdir -p "$staging"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
started=$(date +%s)

# shellcheck source=k8s/ldflags.sh
source "$here/k8s/ldflags.sh"
ldflags=$(cd "$here/k8s" && k8s_ldflags)

log "building etcd $ETCD_VERSION"
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$staging/etcd" .)
log "building kwok $KWOK_VERSION"
(cd "$here/kwok" && go build -trimpath -ldflags "-s -w" -o "$staging/" sigs.k8s.io/kwok/cmd/kwok)
log "building Kubernetes $K8S_VERSION (cold: tens of minutes on 2 cores)"
(cd "$here/k8s" && go build -trimpath -ldflags "$ldflags" -o "$staging/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)

# kwok needs Stage definitions to move nodes and pods through their lifecycle; take the "fast"
# set that kwokctl uses by default from the same pinned kwok module.
kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
         pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  echo "---"; cat "$kwok_dir/kustomize/stage/$f.yaml"
done >"$staging/kwok-stages.yaml"

rm -rf "$bin" && mv "$staging" "$bin"
log "built in $(( $(date +%s) - started ))s into $bin"
echo "$bin"
