#!/usr/bin/env bash
# Makes a clone runnable, doing only what is missing: `npm ci` when node_modules is absent or older than the
# lock file, and the exporter's build (with @pitower/diagnosis, which it references) when any of their sources is newer than the last build
# (exporter/dist/.build-stamp, written by `npm run build --workspace exporter`). Nothing changed: no npm, no
# compiler, a few milliseconds. Progress goes to stderr, so `./pitower load --json` keeps a clean stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh >&2
stamp=exporter/dist/.build-stamp
if [ -f "$stamp" ] && [ -z "$(find exporter/src exporter/package.json exporter/tsconfig.build.json diagnosis/src diagnosis/package.json diagnosis/tsconfig.json tsconfig.base.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "pitower: building the exporter (first run, or its sources changed)..." >&2
npm run build --workspace exporter --silent >&2
