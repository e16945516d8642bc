#!/usr/bin/env bash
# Installs, only when missing, the system packages the tests need (Debian 12):
#   promtool/prometheus, node_exporter, MariaDB (server + mariadb-slap), librdkafka-dev + a C compiler
#   (for the Kafka mock cluster helper), kcat (benchmark reference), Chromium + Inter font (panel screenshots),
#   a JDK and Maven (the real Kafka lab: Apache Kafka's jars come from Maven Central, test/lab/kafka.ts) and Go
#   (kafka_exporter, the peer built from ../shared/peers).
# Idempotent: a machine that has everything runs no apt command at all.
set -euo pipefail

declare -A NEED=(
  [promtool]=prometheus
  [prometheus]=prometheus
  [prometheus-node-exporter]=prometheus-node-exporter
  [mariadbd]=mariadb-server
  [mariadb-install-db]=mariadb-server
  [mariadb]=mariadb-client
  [mariadb-slap]=mariadb-client
  [cc]=gcc
  [kcat]=kcat
  [chromium]=chromium
  [java]=default-jdk-headless
  [javac]=default-jdk-headless
  [mvn]=maven
  [go]=golang-go
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${NEED[$cmd]}")
done
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev)
[ -d /usr/share/fonts/opentype/inter ] || [ -d /usr/share/fonts/truetype/inter ] || missing+=(fonts-inter)

if [ ${#missing[@]} -eq 0 ]; then
  echo "provision: all system packages present"
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "provision: installing ${packages[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Services must not start on install: the tests start their own instances on private ports.
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "provision: done"
