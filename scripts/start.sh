#!/usr/bin/env bash
# `npm start [-- flags]`: installs dependencies and builds if needed (scripts/ensure-built.sh), then runs
# `pitower exporter` with defaults (port 9742, real /sys; no servers needed). Extra flags go to the exporter.
# package.json runs this with `exec` and this script execs node, so npm's child is the exporter itself and a
# SIGTERM/SIGINT to `npm start` reaches it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-built.sh
# shellcheck disable=SC2046  # the flags are words, e.g. --max-semi-space-size=2
exec node $(bash scripts/exporter-node-flags.sh) exporter/bin/pitower.js exporter "$@"
