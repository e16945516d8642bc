#!/usr/bin/env bash
# `npm test`: the one command that passes every test on a fresh Debian 12 machine with Node 20.
# Provisions system packages and npm dependencies when missing, builds, type-checks and lints, then runs
# the two layers: unit (`npm run test:unit`: no server, no network) and integration (real servers).
# `bash scripts/test.sh integration` (`npm run test:integration`) runs the integration layer alone.
# Extra arguments go to jest: `bash scripts/test.sh integration test/kafka`.
set -euo pipefail
cd "$(dirname "$0")/.."
layer=all
if [ "${1:-}" = integration ] || [ "${1:-}" = all ]; then layer=$1; shift; fi
bash scripts/provision.sh
bash scripts/npm-install.sh
npm run build --silent
if [ "$layer" = all ]; then
  npx tsc -p exporter/tsconfig.json   # type-checks the tests too (jest's ts-jest runs them without type checks)
  npx tsc -p scripts                  # the demo (run through scripts/ts-require.js, which does not type-check)
  npm run lint --silent
  echo "npm test: unit layer"
  npx jest --ci --selectProjects unit
  npm run test:unit --workspace grafana-plugin --silent
fi
echo "npm test: integration layer"
npx jest --ci "$@" --selectProjects integration
# The labs' JVMs must all be gone (test/lab/*.ts kill them by PID; they also halt on stdin EOF).
sleep 1
if left=$(pgrep -af 'LabTools (broker|elect)|CassandraLauncher'); then
  echo "npm test: Kafka or Cassandra lab processes left behind:" >&2; echo "$left" >&2; exit 1
fi
if [ -f prometheus/test.sh ]; then bash prometheus/test.sh; fi
# The panel in Chromium with the real @grafana/ui (its type check, bundle and harness; its unit tests ran above).
npm run typecheck --workspace grafana-plugin --silent
npm run build --workspace grafana-plugin --silent
npm run test:harness --workspace grafana-plugin --silent
echo "npm test: all suites passed"
