#!/usr/bin/env bash
# Start-up benchmark: time from starting `interop serve` to its first answered search, with 20
# distinct connectors of mixed languages installed, warm (the plugin store's compiled code
# cached) and cold (compiled at start). See host/benches/startup.rs; figures go in
# docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
cargo bench --locked -p interop --bench startup
