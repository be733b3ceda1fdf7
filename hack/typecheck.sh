#!/usr/bin/env bash
# Type-checks every workspace with its own tsconfig (strict, from the root tsconfig.json).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for ws in $(node -e 'for (const w of JSON.parse(require("fs").readFileSync("package.json","utf8")).workspaces) console.log(w)'); do
  echo "typecheck: $ws"
  npx tsc --noEmit -p "$ws" || status=1
done
exit $status
