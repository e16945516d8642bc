#!/usr/bin/env bash
# `npm run package [-- OUTDIR]` (default dist/): what a Pi owner installs, built from this clone with no
# network (the registries only for a first `npm ci`):
#   pitower-<version>.tgz            `npm install -g pitower-<version>.tgz`: self-contained, every runtime
#                                    dependency bundled (@pitower/diagnosis too), no build step, no dev
#                                    dependency, nothing fetched (works with --offline and an empty cache)
#   pitower_<version>_<arch>.deb     arm64, armhf, amd64 (dpkg-deb): /usr/lib/pitower, /usr/bin/pitower, the
#                                    systemd unit (not enabled), /etc/pitower/pitower.yml (conffile), the
#                                    `pitower` system user (postinst); Depends: nodejs (>= 20.15)
# The runtime tree is the lock file's production dependencies, copied from node_modules (the versions the
# tests ran), without optional ones: node-rdkafka is native, built against this machine's librdkafka, so
# the packaged `pitower load` has the kafkajs client only. The build fails if any native module (*.node)
# gets in: the three .debs carry the same JavaScript and differ in their Architecture field only.
# test/packaging/package.test.ts installs both and checks them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd -P)"
out="${1:-$root/dist}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
bash scripts/ensure-built.sh
version="$(node -p 'require("./exporter/package.json").version')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { echo "package: [${SECONDS}s] $*" >&2; }

say "built"
# 1. The two workspace packages as npm packs them ("files": bin + dist, and diagnosis' dist).
npm pack --silent --workspace diagnosis --workspace exporter --pack-destination "$work" >/dev/null
app="$work/app"
mkdir -p "$app/node_modules/@pitower/diagnosis"
tar -xzf "$work/pitower-$version.tgz" -C "$app" --strip-components=1
tar -xzf "$work"/pitower-diagnosis-*.tgz -C "$app/node_modules/@pitower/diagnosis" --strip-components=1
# dist/ is an incremental build: drop what no source produces any more, compiled tests, types, build info.
(cd "$app/dist" && find . -name '*.js' -print) | while read -r js; do
  base="${js%.js}"
  if [ ! -f "exporter/src/$base.ts" ] || [[ "$base" == *.test || "$base" == *.test-helpers ]]; then
    rm -f "$app/dist/$base.js" "$app/dist/$base.js.map" "$app/dist/$base.d.ts"
  fi
done
find "$app" -path "$app/node_modules" -prune -o \( -name '*.d.ts' -o -name '*.tsbuildinfo' \) -print0 | xargs -0 rm -f

say "packed the workspaces"
# 2. The production dependency tree (hoisted as in node_modules; nested copies where npm nested them).
tree="$(npm ls --omit=dev --omit=optional --workspace exporter --all --parseable)" ||
  { say "npm ls: node_modules does not match package-lock.json (npm ci)"; exit 1; }
mapfile -t deps < <(sed -n "s#^$root/node_modules/##p" <<<"$tree" | grep -vx '@pitower/diagnosis')
[ ${#deps[@]} -gt 0 ] || { say "npm ls found no production dependency"; exit 1; }
for dep in "${deps[@]}"; do
  mkdir -p "$app/node_modules/$dep"
  tar -C "node_modules/$dep" --exclude=./node_modules -cf - . | tar -C "$app/node_modules/$dep" -xf -
done
if native="$(find "$app" -name '*.node' -print -quit)" && [ -n "$native" ]; then
  say "a native module got into the package ($native): one payload would not serve every architecture"; exit 1
fi

say "copied ${#deps[@]} production dependencies"
# 3. package.json: every dependency bundled; no scripts, no dev or optional dependencies to resolve.
node -e '
  const fs = require("fs"), file = process.argv[1], pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const key of ["devDependencies", "optionalDependencies", "scripts"]) delete pkg[key];
  pkg.bundleDependencies = Object.keys(pkg.dependencies);
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$app/package.json"
got="$(node "$app/bin/pitower.js" --version)"
[ "$got" = "$version" ] || { say "the staged program says version '$got', not $version"; exit 1; }

# 4. The npm tarball.
rm -f "$out/pitower-$version.tgz"
(cd "$app" && npm pack --silent --pack-destination "$out" >/dev/null)
tarball="$out/pitower-$version.tgz"
say "$tarball ($(du -h "$tarball" | cut -f1), $(tar -tzf "$tarball" | grep -cE '^package/node_modules/(@[^/]+/)?[^/]+/package\.json$') top-level packages bundled)"

# 5. The .debs: the tarball's own files under /usr/lib/pitower, so both packages carry the same bits.
deb="$work/deb"
mkdir -p "$deb/usr/lib/pitower" "$deb/usr/bin" "$deb/lib/systemd/system" "$deb/etc/pitower" "$deb/usr/share/doc/pitower" "$deb/DEBIAN"
tar -xzf "$tarball" -C "$deb/usr/lib/pitower" --strip-components=1
chmod 0755 "$deb/usr/lib/pitower/bin/pitower.js"
ln -s ../lib/pitower/bin/pitower.js "$deb/usr/bin/pitower"
install -m 0644 exporter/packaging/pitower-exporter.service "$deb/lib/systemd/system/"
install -m 0644 exporter/packaging/pitower.yml "$deb/etc/pitower/"
printf 'pitower %s\nLicense: Apache-2.0 (/usr/share/common-licenses/Apache-2.0); bundled npm packages: their own\nlicenses, in /usr/lib/pitower/node_modules/*/.\n' "$version" >"$deb/usr/share/doc/pitower/copyright"
install -m 0755 exporter/packaging/deb/postinst exporter/packaging/deb/prerm exporter/packaging/deb/postrm "$deb/DEBIAN/"
echo /etc/pitower/pitower.yml >"$deb/DEBIAN/conffiles"
size="$(du -sk --exclude=DEBIAN "$deb" | cut -f1)"
# gzip, not dpkg's default xz: 4.7 MB instead of 3.2, built in 1 s instead of 7 (each).
for arch in arm64 armhf amd64; do
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" exporter/packaging/deb/control >"$deb/DEBIAN/control"
  file="$out/pitower_${version}_$arch.deb"
  dpkg-deb --root-owner-group -Zgzip --build "$deb" "$file" >/dev/null
  say "$file ($(du -h "$file" | cut -f1))"
done
