#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing ratios against a reference measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh
npm run build --silent
for bench in test/bench/*.bench.js; do
  echo "== $bench"
  node "$bench"
done
echo "== grafana-plugin render benchmark"
npm run bench --workspace grafana-plugin --silent
