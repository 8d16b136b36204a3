#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, then runs every test.
#   scripts/test.sh            # everything
#   scripts/test.sh -p interop-tests --test sandbox    # extra args go to `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

# The connectors are compiled to WebAssembly components; the tests build them.
rustup target add wasm32-wasip2 >/dev/null

cargo test --workspace --locked "$@"
