#!/usr/bin/env bash
# `npm start [-- flags]`: installs dependencies if needed, builds, and runs `pitower exporter` with defaults
# (port 9742, real /sys; no servers needed). Extra flags are passed to the exporter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh
npm run build --workspace exporter --silent
exec node exporter/bin/pitower.js exporter "$@"
