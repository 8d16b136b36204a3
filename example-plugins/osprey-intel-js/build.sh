#!/usr/bin/env bash
# Builds the Osprey Intel connector by hand (the tests build it through tests/artifacts):
#   example-plugins/osprey-intel-js/build.sh [OUT.wasm]
# Needs ComponentizeJS 0.23.0 (`npm install @bytecodealliance/componentize-js@0.23.0`), found
# through npx.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(realpath -m "${1:-osprey_intel_js.wasm}")"
# ComponentizeJS reads only files below the entry's folder: stage the app with the helpers
# as ./interop-connector/.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$here/app.js" "$stage/"
mkdir "$stage/interop-connector"
cp "$root"/sdk/js/*.js "$stage/interop-connector/"
# `--disable fetch-event` drops the incoming-handler export; `http` stays, so fetch() goes out
# through wasi:http/outgoing-handler.
npx componentize-js "$stage/app.js" --wit "$root/wit/since_v0.2.0" --world-name connector-world \
    --disable fetch-event -o "$out"
echo "built $out"
