#!/usr/bin/env bash
# The real node's part of hack/with-env.sh (--real-node), in the same throw-away $KATHELFER_STATE:
#   bridge   before the datastores start (they also listen on the bridge); records the host's
#            state; exit 1 when this machine can't run a real node (says why; the tests that need
#            one then fail with that hint rather than being skipped)
#   up       after the plane: starts the node, builds (when stale) and loads the platform's images
#            into it (hack/images.sh), prints the shell exports (hack/node.sh env)
#   down     stops the node, then checks that the host is as before `bridge` (exit 1 if not)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "[$(date +%H:%M:%S)] env: $*" >&2; }
before="$KATHELFER_STATE/host-state.before"

case "${1:-}" in
  bridge)
    if ! reason=$(bash "$here/node.sh" check); then
      say "NO REAL NODE on this machine: $reason. The tests that need one will fail."
      exit 1
    fi
    bash "$here/node.sh" host-state >"$before"
    bash "$here/node.sh" bridge >/dev/null ;;
  up)
    started=$(date +%s)
    bash "$here/node.sh" up >/dev/null || { say "the real node did not start (see the messages above)"; exit 1; }
    say "real node up in $(( $(date +%s) - started ))s"
    # the platform's images (npm run images), for the tests that run the platform as real pods
    eval "$(bash "$here/node.sh" env)"
    started=$(date +%s)
    CTR="$KATHELFER_NODE_BIN/ctr" bash "$here/images.sh" load --address "$CONTAINERD_ADDRESS" >/dev/null ||
      { say "the platform's images did not build or load (see the messages above)"; exit 1; }
    say "the platform's images are in the node's containerd ($(( $(date +%s) - started ))s)"
    bash "$here/node.sh" env ;;
  down)
    [ -f "$before" ] || exit 0
    bash "$here/node.sh" down 2>/dev/null
    if diff <(cat "$before") <(bash "$here/node.sh" host-state) >"$KATHELFER_STATE/host-state.diff"; then
      say "real node down; the host is as before (sysctls, iptables chains, links, cgroups, paths, mounts, processes compared)"
    else
      say "real node down, but the host differs from before it started (< before, > after):"
      cat "$KATHELFER_STATE/host-state.diff" >&2
      exit 1
    fi ;;
  *) echo "usage: $0 bridge|up|down" >&2; exit 2 ;;
esac
