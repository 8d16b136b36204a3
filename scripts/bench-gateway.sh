#!/usr/bin/env bash
# Gateway load benchmark: `interop serve` (one connector, audit on) against `wasmtime serve`
# running a minimal proxy component that makes the same upstream call to the same vendor
# stand-in, side by side in one run. See host/benches/gateway_load.rs for what is measured and
# the INTEROP_BENCH_* settings; figures go in docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null
tools="$PWD/target/bench-tools"
wasmtime="$tools/bin/wasmtime"
if ! "$wasmtime" --version 2>/dev/null | grep -q '^wasmtime 48\.0\.8'; then
  echo "==> installing wasmtime-cli 48.0.8 into $tools (once; several minutes)"
  cargo install --locked --quiet wasmtime-cli --version 48.0.8 --root "$tools"
fi
echo "==> building the proxy component and the Kestrel connector"
cargo build --locked --release --target wasm32-wasip2 -p guest-bench-proxy -p kestrel-rms-connector
export INTEROP_BENCH_WASMTIME="$wasmtime"
export INTEROP_BENCH_PROXY="$PWD/target/wasm32-wasip2/release/guest_bench_proxy.wasm"
export INTEROP_BENCH_COMPONENT="$PWD/target/wasm32-wasip2/release/kestrel_rms_connector.wasm"
echo "==> measuring"
cargo bench --locked -p interop --bench gateway_load
