#!/usr/bin/env bash
# Runs `npm ci` when node_modules is missing or older than package-lock.json; otherwise nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
