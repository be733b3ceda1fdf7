#!/usr/bin/env bash
# `npm stop`: stops what `npm start` started (by pid), keeping the data for the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/datastores.sh down
bash hack/cluster.sh down
