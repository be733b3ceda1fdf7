#!/usr/bin/env bash
# The platform's container images, built without Docker: Debian's buildah (--isolation chroot) builds
# the root Dockerfile once per deployable, on a Node.js base image made from Debian's packages with
# mmdebstrap (hack/images.env says which and why).
#
#   hack/images.sh [build]                     build what is stale; print the four image references
#   hack/images.sh base                        build the base images only (runtime and build stage)
#   hack/images.sh load --address SOCK [--namespace NS]
#                                              build if stale, then import the four images into the
#                                              containerd at SOCK (namespace default k8s.io)
#   hack/images.sh list                        print the four image references
#   hack/images.sh sizes                       print each image's size and what makes it large
#   hack/images.sh clean                       remove these images and buildah's layer cache
#
# Images are tagged localhost/kathelfer/<component>:local and, as content tag, :<inputs key>. The key
# is a hash of the Dockerfile, .dockerignore, this script's build steps, the base image's key and every file of the
# build context (git's view: tracked and untracked, not ignored): when nothing changed, build is a
# no-op. The base images have their own key (hack/images.env and this script's base recipe); set
# KATHELFER_IMAGES_REFRESH=1 to rebuild them (e.g. for Debian's security updates).
#
# Package access in the Dockerfile's RUN steps: the host's CA bundle, an npm configuration derived
# from the host's and the host's npm cache are mounted for the build only (buildah -v), never
# committed into a layer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=images.env
source "$here/images.env"

components=(operator registration tasks matching)
cache_root="${KATHELFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kathelfer}"
export BUILDAH_ISOLATION=chroot

workspace_of() { case $1 in operator) echo operator ;; *) echo "services/$1" ;; esac; }
entry_of() { case $1 in operator) echo main ;; *) echo server ;; esac; }

# Debian's buildah and mmdebstrap, installed like hack/ensure-deps.sh installs npm packages: only
# when missing. apt-get update first: a fresh machine has no package lists.
ensure_tools() {
  command -v buildah >/dev/null && command -v mmdebstrap >/dev/null && return 0
  [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null ||
    die "building images needs buildah and mmdebstrap (Debian/Ubuntu packages); this machine has no apt-get"
  [ "$(id -u)" = 0 ] || die "installing buildah and mmdebstrap needs root (apt-get install buildah mmdebstrap)"
  log "installing Debian's buildah and mmdebstrap"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends buildah mmdebstrap >&2
}

exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

base_key() {
  { sed -n '/^# --- base recipe ---$/,/^# --- end of base recipe ---$/p' "$here/images.sh"
    echo "$BASE_SUITE|$BASE_MIRRORS|$BASE_PACKAGES|$NPM_VERSION"; } | sha256sum | cut -c1-12
}

# --- base recipe ---
# The runtime base: Debian's essential packages (no apt: nothing installs at run time) plus
# BASE_PACKAGES, without manuals, translations and documentation (copyright files stay).
# The build base: the runtime base plus npm NPM_VERSION from the npm registry.
build_base() {
  local key=$1 work c mnt
  work=$(mktemp -d "${TMPDIR:-/tmp}/kathelfer-base.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  local -a mirrors; IFS='|' read -r -a mirrors <<<"$BASE_MIRRORS"
  log "building the Node.js base image from Debian $BASE_SUITE ($BASE_PACKAGES) with mmdebstrap"
  mmdebstrap --quiet --variant=essential --include="$BASE_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook='rm -rf "$1"/var/cache/apt "$1"/var/lib/apt/lists "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache' \
    "$BASE_SUITE" "$work/rootfs.tar" "${mirrors[@]}" >&2
  c=$(buildah from scratch)
  mnt=$(buildah mount "$c")
  tar -C "$mnt" --numeric-owner -xpf "$work/rootfs.tar"
  buildah umount "$c" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label io.kathelfer.base="debian-$BASE_SUITE $BASE_PACKAGES" --cmd node "$c"
  buildah commit --quiet --rm "$c" "localhost/kathelfer/node-base:$key" >/dev/null

  log "building the build-stage base (npm $NPM_VERSION)"
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  c=$(buildah from "localhost/kathelfer/node-base:$key")
  mnt=$(buildah mount "$c")
  mkdir -p "$mnt/usr/lib/node_modules/npm"
  tar -C "$mnt/usr/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$work/npm-$NPM_VERSION.tgz"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/bin/npx"
  buildah umount "$c" >/dev/null
  buildah config --label io.kathelfer.base="debian-$BASE_SUITE $BASE_PACKAGES npm-$NPM_VERSION" "$c"
  buildah commit --quiet --rm "$c" "localhost/kathelfer/node-build:$key" >/dev/null
}
# --- end of base recipe ---

ensure_base() {
  local key; key=$(base_key)
  if [ "${KATHELFER_IMAGES_REFRESH:-}" = 1 ] || ! exists "localhost/kathelfer/node-base:$key" || ! exists "localhost/kathelfer/node-build:$key"; then
    build_base "$key"
  fi
  buildah tag "localhost/kathelfer/node-base:$key" localhost/kathelfer/node-base:local
  buildah tag "localhost/kathelfer/node-build:$key" localhost/kathelfer/node-build:local
  echo "$key"
}

# The build context's files as git sees them (tracked or untracked, not ignored), with
# .dockerignore's exclusions (node_modules, dist, …) applied by git's own ignore rules too.
context_key() {
  local base=$1
  { echo "$base"
    cat "$root/Dockerfile" "$root/.dockerignore"
    declare -f workspace_of entry_of npm_build_config build_all # how this script builds, not its other parts
    (cd "$root" && git ls-files -z --cached --others --exclude-standard --deduplicate \
      | xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh \
      | sort -z | xargs -0 -r sha256sum)
  } | sha256sum | cut -c1-12
}

# A build-time npm configuration: the host's (registry, auth) plus the host's CA bundle, so npm in
# the build container trusts what the host trusts. Written outside the build context.
npm_build_config() {
  local f=$1 user
  : >"$f"; chmod 600 "$f"
  user=$(npm config get userconfig 2>/dev/null || true)
  [ -n "$user" ] && [ -f "$user" ] && cat "$user" >>"$f"
  echo "registry=$(npm config get registry)" >>"$f"
  [ -f /etc/ssl/certs/ca-certificates.crt ] && echo "cafile=/etc/ssl/certs/ca-certificates.crt" >>"$f"
  echo "update-notifier=false" >>"$f"
}

# Untags earlier builds of a component, so their layers can go (`hack/images.sh clean` removes all).
remove_old_tags() {
  local repo=$1 keep=$2 tag
  for tag in $(buildah images --format '{{.Tag}}' "$repo" 2>/dev/null); do
    [ "$tag" = "$keep" ] || [ "$tag" = local ] || buildah rmi "$repo:$tag" >/dev/null 2>&1 || true
  done
}

build_all() {
  ensure_tools
  mkdir -p "$cache_root"
  exec 8>"$cache_root/images.lock"
  flock 8 # another run (a parallel test, npm start) may be building the same images now
  local base key comp started npmrc npm_cache
  base=$(ensure_base)
  key=$(context_key "$base")
  local -a stale=()
  for comp in "${components[@]}"; do
    if exists "localhost/kathelfer/$comp:$key"; then
      buildah tag "localhost/kathelfer/$comp:$key" "localhost/kathelfer/$comp:local"
    else
      stale+=("$comp")
    fi
  done
  if [ ${#stale[@]} -gt 0 ]; then
    npmrc="$cache_root/images-npmrc"
    npm_build_config "$npmrc"
    npm_cache=$(npm config get cache)
    mkdir -p "$npm_cache"
    for comp in "${stale[@]}"; do
      started=$(date +%s)
      log "building localhost/kathelfer/$comp:$key"
      local -a mounts=(-v "$npmrc:/root/.npmrc:ro" -v "$npm_cache:/root/.npm")
      [ -f /etc/ssl/certs/ca-certificates.crt ] && mounts+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
      buildah bud --quiet --layers --isolation chroot "${mounts[@]}" \
        --build-arg BASE_IMAGE="localhost/kathelfer/node-base:$base" \
        --build-arg BUILD_IMAGE="localhost/kathelfer/node-build:$base" \
        --build-arg WORKSPACE="$(workspace_of "$comp")" --build-arg ENTRY="$(entry_of "$comp")" \
        --label io.kathelfer.inputs="$key" \
        -t "localhost/kathelfer/$comp:$key" -t "localhost/kathelfer/$comp:local" \
        -f "$root/Dockerfile" "$root" >/dev/null
      log "built $comp in $(( $(date +%s) - started ))s"
      remove_old_tags "localhost/kathelfer/$comp" "$key"
    done
  fi
  for comp in "${components[@]}"; do echo "localhost/kathelfer/$comp:local"; done
}

load() {
  local address="" ns=k8s.io
  while [ $# -gt 0 ]; do
    case $1 in
      --address) address=$2; shift 2 ;;
      --namespace) ns=$2; shift 2 ;;
      *) die "unknown argument to load: $1" ;;
    esac
  done
  [ -n "$address" ] || die "load needs --address <containerd socket>"
  [ -S "$address" ] || die "no containerd socket at $address"
  command -v ctr >/dev/null || [ -n "${CTR:-}" ] || die "load needs containerd's ctr on PATH (or CTR=/path/to/ctr)"
  local ctr_bin=${CTR:-ctr}
  # ctr warns on every call that cgroup v1 is deprecated: show its messages only when it fails.
  ctr_run() {
    local err; err=$(mktemp)
    if "$ctr_bin" --address "$address" -n "$ns" "$@" 2>"$err"; then rm -f "$err"; return 0; fi
    cat "$err" >&2; rm -f "$err"; return 1
  }
  build_all >/dev/null
  local comp key work present
  work=$(mktemp -d "${TMPDIR:-/tmp}/kathelfer-images.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  present=$(ctr_run images ls -q)
  for comp in "${components[@]}"; do
    key=$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "io.kathelfer.inputs"}}' "localhost/kathelfer/$comp:local")
    if ! grep -qxF "localhost/kathelfer/$comp:$key" <<<"$present"; then
      log "loading localhost/kathelfer/$comp:$key into $address ($ns)"
      buildah push --quiet "localhost/kathelfer/$comp:$key" "docker-archive:$work/$comp.tar:localhost/kathelfer/$comp:$key" >/dev/null
      ctr_run images import "$work/$comp.tar" >/dev/null
      rm -f "$work/$comp.tar"
    fi
    ctr_run images tag --force "localhost/kathelfer/$comp:$key" "localhost/kathelfer/$comp:local" >/dev/null
  done
  for comp in "${components[@]}"; do echo "localhost/kathelfer/$comp:local"; done
}

cmd=${1:-build}; [ $# -gt 0 ] && shift
case $cmd in
  build) build_all ;;
  base) ensure_tools; ensure_base >/dev/null; echo localhost/kathelfer/node-base:local; echo localhost/kathelfer/node-build:local ;;
  load) load "$@" ;;
  clean) buildah rmi $(buildah images --format '{{.Name}}:{{.Tag}}' | grep '^localhost/kathelfer/') >/dev/null 2>&1 || true
         buildah rmi --prune >/dev/null 2>&1 || true ;;
  list) for comp in "${components[@]}"; do echo "localhost/kathelfer/$comp:local"; done ;;
  sizes) exec node --import tsx "$here/src/image-sizes.ts" "$@" ;;
  *) die "unknown command $cmd (build | base | load | list | sizes | clean)" ;;
esac
