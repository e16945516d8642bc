#!/usr/bin/env bash
# `npm test`: the one command that passes every test on a fresh Debian 12 machine with Node 20.
# Provisions system packages and npm dependencies when missing, builds, lints, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
bash scripts/npm-install.sh
npm run build --silent
npx tsc -p exporter/tsconfig.json   # type-checks the tests too (jest's ts-jest runs them without type checks)
npm run lint --silent
npx jest --ci "$@"
# The labs' JVMs must all be gone (test/lab/*.ts kill them by PID; they also halt on stdin EOF).
sleep 1
if left=$(pgrep -af 'LabTools (broker|elect)|CassandraLauncher'); then
  echo "npm test: Kafka or Cassandra lab processes left behind:" >&2; echo "$left" >&2; exit 1
fi
if [ -f prometheus/test.sh ]; then bash prometheus/test.sh; fi
npm test --workspace grafana-plugin --if-present --silent
echo "npm test: all suites passed"
