#!/usr/bin/env bash
# Builds the Osprey Custody connector by hand (the tests build it through tests/artifacts):
#   example-plugins/osprey-custody-py/build.sh [OUT.wasm]
# Needs componentize-py 0.25.1 on PATH (`python3 -m venv v && v/bin/pip install componentize-py==0.25.1`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(realpath -m "${1:-osprey_custody_py.wasm}")"
# Build from a copy: componentize-py writes __pycache__ beside the sources.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$here/app.py" "$stage/"
cp -r "$root/sdk/python/interop_connector" "$stage/"
cd "$stage"
componentize-py -d "$root/wit/since_v0.2.0" -w connector-world componentize app -p "$stage" -o "$out"
echo "built $out"
