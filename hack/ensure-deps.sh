#!/usr/bin/env bash
# Installs the npm dependencies exactly as package-lock.json pins them, when they are missing or
# older than the lock file, so `npm start` and `npm test` work on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi
