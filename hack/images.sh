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
#   hack/images.sh run COMPONENT [--env K=V]… [--mount SRC:DST]… [-- ARGS]
#                                              run the image's entrypoint as a pod would (below)
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

# The build context's files as git sees them (tracked or untracked, not ignored), less what
# .dockerignore keeps out of the build (its patterns as git exclude pathspecs).
context_key() {
  local base=$1
  { echo "$base"
    cat "$root/Dockerfile" "$root/.dockerignore"
    declare -f workspace_of entry_of npm_build_config build_all # how this script builds, not its other parts
    local -a specs=(.) ignored; local p
    mapfile -t ignored < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$root/.dockerignore")
    for p in "${ignored[@]}"; do specs+=(":(exclude,glob)$p" ":(exclude,glob)$p/**"); done
    (cd "$root" && git ls-files -z --cached --others --exclude-standard --deduplicate -- "${specs[@]}" \
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

# Untags this component's builds from earlier trees once they are a day old (a second work tree
# of the same repository, building into the same storage at the same time, keeps its images).
# buildah's layer cache is kept; `hack/images.sh clean` removes everything.
remove_old_tags() {
  local repo=$1 keep=$2
  buildah images --json "$repo" 2>/dev/null | node -e '
    const [repo, keep] = process.argv.slice(1);
    const now = Date.now() / 1000;
    for (const image of JSON.parse(require("fs").readFileSync(0, "utf8") || "[]")) {
      if (now - image.created < 86400) continue;
      for (const name of image.names ?? []) {
        if (name.startsWith(repo + ":") && name !== `${repo}:local` && name !== `${repo}:${keep}`) console.log(name);
      }
    }' "$repo" "$keep" | xargs -r buildah rmi >/dev/null 2>&1 || true
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

# Runs a built image's ENTRYPOINT + CMD (+ ARGS) the way a pod does, without a container runtime:
# tini is PID 1 of a new PID namespace, the image's filesystem is the read-only root with a tmpfs at
# /tmp (the manifests' emptyDir), /proc and the basic /dev nodes are mounted, and it runs as the
# image's user with only the image's environment plus --env. Unlike a pod it shares the host's
# network namespace, so it reaches the test environment's PostgreSQL and Redis on loopback.
# Signal its PID 1 (tini) as the kubelet does: the host pid of the process running /usr/bin/tini.
run_image() {
  local comp=$1; shift
  local -a envs=() mounts=() args=()
  while [ $# -gt 0 ]; do
    case $1 in
      --env) envs+=("$2"); shift 2 ;;
      --mount) mounts+=("$2"); shift 2 ;;
      --) shift; args=("$@"); break ;;
      *) die "unknown argument to run: $1" ;;
    esac
  done
  local image="localhost/kathelfer/$comp:local" c mnt user workdir
  exists "$image" || die "$image is not built (hack/images.sh build)"
  c=$(buildah from --pull-never --quiet "$image")
  # shellcheck disable=SC2064
  trap "buildah umount '$c' >/dev/null 2>&1; buildah rm '$c' >/dev/null 2>&1" EXIT
  mnt=$(buildah mount "$c")
  user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$c")
  workdir=$(buildah inspect --format '{{.OCIv1.Config.WorkingDir}}' "$c")
  local -a command=() image_env=()
  mapfile -t command < <(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$c" | sed '/^$/d')
  mapfile -t image_env < <(buildah inspect --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$c" | sed '/^$/d')
  # HOME as container runtimes set it: the user's home in the image's /etc/passwd, else /.
  local home
  home=$(awk -F: -v u="${user%%:*}" '$1 == u || $3 == u { print $6; exit }' "$mnt/etc/passwd")
  image_env=("HOME=${home:-/}" "${image_env[@]}")
  local m src dst
  for m in "${mounts[@]}"; do src=${m%%:*}; dst=${m#*:}; mkdir -p "$mnt$(dirname "$dst")"; touch "$mnt$dst"; done
  # The inner script runs in the new mount and PID namespaces; the arguments are passed through
  # positionally (mnt user workdir, then mount pairs, "--", env, "--", command).
  unshare --pid --fork --mount --propagation private bash -euc '
    mnt=$1 user=$2 workdir=$3; shift 3
    # the read-only root first: a bind of it would hide the mounts made below it before
    mount --bind "$mnt" "$mnt" && mount -o remount,bind,ro "$mnt"
    while [ "$1" != -- ]; do mount --bind "${1%%:*}" "$mnt${1#*:}" && mount -o remount,bind,ro "$mnt${1#*:}"; shift; done; shift
    envs=(); while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
    mount -t proc proc "$mnt/proc"
    mount -t tmpfs -o size=64m,mode=1777,nosuid,nodev tmpfs "$mnt/tmp"
    mount -t tmpfs -o size=64k,mode=755,nosuid tmpfs "$mnt/dev"
    for d in null zero full random urandom; do touch "$mnt/dev/$d"; mount --bind "/dev/$d" "$mnt/dev/$d"; done
    exec chroot --userspec="$user" "$mnt" /usr/bin/env -i "${envs[@]}" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
  ' run "$mnt" "${user:-0:0}" "${workdir:-/}" "${mounts[@]}" -- "${image_env[@]}" "${envs[@]}" -- "${command[@]}" "${args[@]}"
}

# Each image's size and what makes it large: the base (Debian + Node.js), the bundle, the pages and
# the production node_modules, with its largest packages.
sizes() {
  local comp c mnt ws
  printf '%-14s %8s %8s %8s %8s %8s  %s\n' image total base bundle pages deps "largest dependencies (MiB)"
  for comp in node-base "${components[@]}"; do
    exists "localhost/kathelfer/$comp:local" || die "localhost/kathelfer/$comp:local is not built (hack/images.sh build)"
    c=$(buildah from --pull-never --quiet "localhost/kathelfer/$comp:local")
    mnt=$(buildah mount "$c")
    if [ "$comp" = node-base ]; then
      printf '%-14s %7sM %7sM  %s\n' "$comp" "$(du -sm "$mnt" | cut -f1)" "$(du -sm "$mnt" | cut -f1)" \
        "$(cd "$mnt/usr/lib/x86_64-linux-gnu" && du -sm libnode.so.*[0-9] libicudata.so.*.* libcrypto.so.[0-9] 2>/dev/null | sort -rn | awk '{printf "%s %s, ", $2, $1}')"
    else
      ws=$(workspace_of "$comp")
      local total deps bundle pages
      total=$(du -sm "$mnt" | cut -f1)
      deps=$(du -sm "$mnt/app/node_modules" | cut -f1)
      bundle=$(du -sk "$mnt/app/$ws/dist" | cut -f1)
      pages=$(du -sk "$mnt/app/web/dist" | cut -f1)
      printf '%-14s %7sM %7sM %6sKi %6sKi %7sM  %s\n' "$comp" "$total" "$(( total - deps - (bundle + pages) / 1024 ))" "$bundle" "$pages" "$deps" \
        "$(cd "$mnt/app/node_modules" && du -sk -- @*/* [!@]* 2>/dev/null | sort -rn | head -6 | awk '{printf "%s %.1f, ", $2, $1/1024}')"
    fi
    buildah umount "$c" >/dev/null; buildah rm "$c" >/dev/null
  done
}

cmd=${1:-build}; [ $# -gt 0 ] && shift
case $cmd in
  build) build_all ;;
  base) ensure_tools; ensure_base >/dev/null; echo localhost/kathelfer/node-base:local; echo localhost/kathelfer/node-build:local ;;
  load) load "$@" ;;
  clean) buildah rmi $(buildah images --format '{{.Name}}:{{.Tag}}' | grep '^localhost/kathelfer/') >/dev/null 2>&1 || true
         buildah rmi --prune >/dev/null 2>&1 || true ;;
  run) [ $# -gt 0 ] || die "usage: hack/images.sh run <component> [--env K=V]… [--mount SRC:DST]… [-- ARGS]"; run_image "$@" ;;
  list) for comp in "${components[@]}"; do echo "localhost/kathelfer/$comp:local"; done ;;
  sizes) sizes ;;
  *) die "unknown command $cmd (build | base | load | run | list | sizes | clean)" ;;
esac
