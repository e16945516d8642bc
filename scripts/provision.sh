#!/usr/bin/env bash
# Installs, only when missing, the system packages the tests need (Debian 12):
#   promtool/prometheus, node_exporter, MariaDB (server + mariadb-slap), librdkafka-dev + a C compiler
#   (for the Kafka mock cluster helper), g++, make, python3 and the OpenSSL and zlib headers (node-rdkafka's
#   build at npm ci), kcat (benchmark reference), Chromium + Inter font (panel screenshots),
#   a JDK and Maven (the real Kafka lab: Apache Kafka's jars come from Maven Central, test/lab/kafka.ts), Go
#   (kafka_exporter, the peer built from ../shared/peers), qemu-user-static and mmdebstrap (the exporter on
#   emulated arm64/armhf: test/lab/arm-roots.sh unpacks Debian's ARM C libraries and Node into a cache, adding
#   no foreign architecture to this machine's dpkg), systemd's systemd-analyze (the .deb's unit is verified) and
#   mosquitto (the MQTT backend's broker, started by test/support/mosquitto.ts on its own port).
# Idempotent: a machine that has everything runs no apt command at all. Nothing it installs is left running
# or enabled (see below). About 700 MB on disk and 2-4 minutes the first time on a fresh Debian 12.
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
  [g++]=g++
  [make]=make
  [python3]=python3
  [kcat]=kcat
  [chromium]=chromium
  [java]=default-jdk-headless
  [javac]=default-jdk-headless
  [mvn]=maven
  [go]=golang-go
  [qemu-aarch64-static]=qemu-user-static
  [qemu-arm-static]=qemu-user-static
  [mmdebstrap]=mmdebstrap
  [systemd-analyze]=systemd
  [mosquitto]=mosquitto
  [mosquitto_passwd]=mosquitto
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${NEED[$cmd]}")
done
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || missing+=(librdkafka-dev)
# node-rdkafka's bundled librdkafka links OpenSSL (TLS, SCRAM) and zlib (gzip): their headers, at npm ci.
[ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
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

# No service may start or stay enabled: the tests run their own MariaDB, Prometheus and node_exporter from
# temp dirs on private ports. A policy-rc.d answering 101 ("action forbidden") keeps the packages' postinst
# from starting anything (invoke-rc.d and deb-systemd-invoke obey it); it does not stop them from enabling
# their units, so every unit enabled by this install is disabled again afterwards.
enabled_units() {
  command -v systemctl >/dev/null 2>&1 || return 0
  systemctl list-unit-files --state=enabled --no-legend 2>/dev/null | awk '{print $1}' | sort
}
before=$(enabled_units)
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# pitower scripts/provision.sh: no service starts while the test dependencies install.\nexit 101\n' |
    $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 0755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
mapfile -t added < <(comm -13 <(printf '%s\n' "$before") <(enabled_units) | grep -v '^$' || true)
if [ ${#added[@]} -gt 0 ]; then
  $SUDO systemctl disable --quiet "${added[@]}" 2>/dev/null || true
  # Only a running systemd can have started them (policy-rc.d should have prevented it): stop them too.
  if [ -d /run/systemd/system ]; then $SUDO systemctl stop "${added[@]}" 2>/dev/null || true; fi
  echo "provision: left disabled (the tests start their own): ${added[*]}"
fi
echo "provision: done"
