#!/usr/bin/env bash
# Language load benchmark: a per-connector search through one `interop serve` (audit on) for a
# Rust, a JavaScript and a Python connector side by side in one run, each against its own
# stand-in, with the rps and p99 of each as a ratio of the Rust connector's. See
# host/benches/language_load.rs for what is measured and the INTEROP_BENCH_* settings; figures
# go in docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null
# The load generator runs as a process of its own, as in the issue's measurement.
if ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
echo "==> measuring (builds the connectors, the Python and JavaScript ones included, first)"
cargo bench --locked -p interop --bench language_load
