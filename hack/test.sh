#!/usr/bin/env bash
# `npm test`: type-check every workspace, lint, then run all tests (unit and integration) against a
# real local control plane, PostgreSQL, Redis and Keycloak that this run starts once in a throw-away state
# directory and stops again at the end, whatever the outcome (hack/with-env.sh).
#
# Arguments are passed to ava (e.g. `npm test -- --match='*surge*'`).
# KATHELFER_TEST_KUBECONFIG: run the Kubernetes tests against that cluster instead of a local plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
say() { echo "[$(date +%H:%M:%S)] test: $*" >&2; }
trap 'say "finished in $(( $(date +%s) - started ))s"' EXIT

bash hack/ensure-deps.sh
# The browser tests need the built pages (each service serves them) and Chromium; the
# registration rate-limit tests need nginx in front of the service.
say "building the web pages if stale"
npx tsx web/build.ts --if-stale
bash hack/chromium.sh ensure
bash hack/nginx.sh ensure
say "type-checking"
bash hack/typecheck.sh
say "linting"
npx eslint --max-warnings=0 .
# The four container images (buildah, cached by their inputs: a no-op when nothing changed).
say "building the container images if stale"
bash hack/images.sh build >/dev/null
say "running the tests"
bash hack/with-env.sh --real-node npx ava "$@"
