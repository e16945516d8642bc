#!/usr/bin/env bash
# Prints the node flags the exporter daemon runs with: those of ExecStart in the systemd unit
# (exporter/packaging/pitower-exporter.service), their one home, so `npm start`, `./pitower exporter` and
# the memory soak benchmark run the daemon as an installed Pi does.
set -euo pipefail
unit="$(dirname "$(readlink -f "$0")")/../exporter/packaging/pitower-exporter.service"
sed -n 's#^ExecStart=/usr/bin/node \(.*\) /usr/lib/pitower/bin/pitower\.js exporter.*#\1#p' "$unit"
