#!/bin/sh
# Puts hls.js into the jar (run by Maven at generate-resources; see transport-http/pom.xml): the npm package
# hls.js@VERSION (Apache-2.0) is fetched with `npm pack` (npm's cache first, so an offline rebuild works once it
# was fetched), checked against the pinned sha512 integrity, and its dist/hls.min.js and LICENSE written to
# OUT/io/sluice/http/server/hlsjs/, where HttpDeliveryHandler serves them from the class path (no CDN at run time).
# Usage: hlsjs.sh VERSION INTEGRITY OUT WORK
set -eu
version=$1; integrity=$2; out=$3; work=$4
dest=$out/io/sluice/http/server/hlsjs
if [ -f "$dest/hls.min.js" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "hlsjs.sh: npm is needed to build sluice-transport-http (Debian: apt-get install npm)" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work" "$dest"
npm pack "hls.js@$version" --prefer-offline --silent --pack-destination "$work" >/dev/null
tgz=$work/hls.js-$version.tgz
want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
got=$(sha512sum "$tgz" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "hlsjs.sh: hls.js@$version tarball sha512 $got (expected: $want, $integrity)" >&2; exit 1
fi
tar -xzf "$tgz" -C "$work" package/dist/hls.min.js package/LICENSE
cp "$work/package/dist/hls.min.js" "$work/package/LICENSE" "$dest/"
printf '%s' "$version" > "$dest/VERSION"
