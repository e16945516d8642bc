#!/usr/bin/env bash
# Runs `npm ci` when node_modules is missing or older than package-lock.json; otherwise nothing.
#
# node-rdkafka (pitower load --kafka.client rdkafka, an optional dependency) compiles at install: its bundled
# librdkafka 2.12.0 and its addon, ~100 s on 2 cores (g++, make, python3 and the OpenSSL and zlib headers
# that scripts/provision.sh installs). Not Debian 12's librdkafka 2.0.2: before 2.6.1 librdkafka fails SCRAM
# against Kafka 4.x brokers (librdkafka#4895). node-gyp gets the headers of the node that runs it, as it
# cannot download them here. When that build fails, npm ci goes on without it and only that flag refuses.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="${npm_config_nodedir:-$node_prefix}"; fi
  npm ci --no-audit --no-fund --loglevel=error
fi
