#!/usr/bin/env bash
# Builds the real node's binaries and caches them outside the repository, like hack/build-k8s.sh
# does for the plane. Prints the bin directory. A second call with the same pins is a no-op: the
# cache key is a hash of this script, versions.env, hack/k8s's go.mod/go.sum and hack/node/.
#
#   kubelet, kube-proxy         hack/k8s (the plane's wrapper module, the same Kubernetes release)
#   containerd, ctr, containerd-shim-runc-v2   `go install` from the Go module proxy, CGO off
#   coredns                     `go install` from the Go module proxy
#   pause.oci.tar               the pod sandbox image: hack/node/pause as a one-layer OCI archive
#                               (registry.k8s.io can't be reached from here)
#   nettest.oci.tar             the workload of the node's own tests (hack/node/nettest)
# runc and the CNI plugins come from Debian's packages (hack/node.sh installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

key=$(cat "$here/build-node.sh" "$here/versions.env" "$here"/k8s/ldflags.sh "$here"/k8s/go.{mod,sum} "$here"/node/{pause,nettest}/* | sha256sum | cut -c1-12)
cache_root="${KATHELFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kathelfer}"
bin="$cache_root/node-$K8S_VERSION-$key/bin"
tools=(kubelet kube-proxy containerd ctr containerd-shim-runc-v2 coredns pause.oci.tar nettest.oci.tar)

complete() { for t in "${tools[@]}"; do [ -s "$bin/$t" ] || return 1; done; }
if complete; then echo "$bin"; exit 0; fi

mkdir -p "$cache_root"
exec 9>"$cache_root/build-node.lock"
flock 9 # another run may be building the same pins right now
if complete; then echo "$bin"; exit 0; fi

log() { echo "build-node: $*" >&2; }
command -v go >/dev/null || { log "Go is required to build the real node (https://go.dev/doc/install)"; exit 1; }
staging="$bin.partial"
rm -rf "$staging" && mkdir -p "$staging"
export CGO_ENABLED=0
started=$(date +%s)

# shellcheck source=k8s/ldflags.sh
source "$here/k8s/ldflags.sh"
log "building kubelet and kube-proxy $K8S_VERSION"
(cd "$here/k8s" && GOFLAGS=-mod=mod go build -trimpath -ldflags "$(k8s_ldflags)" -o "$staging/" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)

# `go install pkg@version` builds the module exactly as its go.mod pins it (no wrapper module to
# keep in step); Kubernetes 1.36's kubelet needs containerd 2.x, Debian ships 1.6.
log "building containerd $CONTAINERD_VERSION"
ctrd=github.com/containerd/containerd/v2
(cd "$staging" && GOFLAGS= GOBIN="$staging" go install -trimpath \
  -ldflags "-s -w -X $ctrd/version.Version=$CONTAINERD_VERSION -X $ctrd/version.Revision=unknown" \
  "$ctrd/cmd/containerd@$CONTAINERD_VERSION" "$ctrd/cmd/ctr@$CONTAINERD_VERSION" \
  "$ctrd/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION")

log "building CoreDNS $COREDNS_VERSION"
(cd "$staging" && GOFLAGS= GOBIN="$staging" go install -trimpath -ldflags "-s -w" \
  "github.com/coredns/coredns@$COREDNS_VERSION")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# oci_image NAME DIR: builds the static Go program in DIR into a one-layer OCI archive
# $staging/NAME.oci.tar whose entrypoint is /NAME, named localhost/kathelfer/NAME:local (in
# $staging/NAME.ref), for `ctr images import`. Reproducible: fixed times and owners, sorted
# names, gzip without a name or time.
oci_image() {
  local name=$1 src=$2 w="$work/$1" diff_id layer config manifest ref="localhost/kathelfer/$1:local"
  mkdir -p "$w/rootfs" "$w/oci/blobs/sha256"
  (cd "$src" && GOFLAGS= go build -trimpath -ldflags "-s -w" -o "$w/rootfs/$name" .)
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$w/rootfs" -cf "$w/layer.tar" "$name"
  diff_id=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  gzip -n -9 "$w/layer.tar"
  blob() { # blob FILE MEDIATYPE: stores FILE under its digest, prints its descriptor
    local d s; d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
    cp "$1" "$w/oci/blobs/sha256/$d"
    printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$d" "$s"
  }
  layer=$(blob "$w/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/%s"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$name" "$diff_id" >"$w/config.json"
  config=$(blob "$w/config.json" application/vnd.oci.image.config.v1+json)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
    "$config" "$layer" >"$w/manifest.json"
  manifest=$(blob "$w/manifest.json" application/vnd.oci.image.manifest.v1+json)
  printf '{"schemaVersion":2,"manifests":[%s]}' \
    "${manifest%\}},\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"local\"}}" \
    >"$w/oci/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$w/oci" -cf "$staging/$name.oci.tar" .
  echo "$ref" >"$staging/$name.ref"
}
log "building the pod sandbox image (pause) and the node tests' workload image (nettest)"
oci_image pause "$here/node/pause"
oci_image nettest "$here/node/nettest"

rm -rf "$bin" && mv "$staging" "$bin"
log "built in $(( $(date +%s) - started ))s into $bin"
echo "$bin"
