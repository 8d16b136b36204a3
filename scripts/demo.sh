#!/usr/bin/env bash
# The demo: builds the host, the two example connectors and their vendor stand-ins, starts the
# stand-ins on loopback, writes each connector the least policy for its demo configuration
# (`interop policy init`), reviews it (`interop policy review`), and shows POLE records from both
# vendor systems through the sandbox under those policies.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null
echo "==> building the example connectors (wasm32-wasip2 components)"
cargo build --locked --release --target wasm32-wasip2 -p kestrel-rms-connector -p harrier-anpr-connector
echo "==> building the interop host and the vendor stand-ins"
cargo build --locked --release -p interop-host -p kestrel-rms-standin -p harrier-anpr-standin

wasm=target/wasm32-wasip2/release
bin=target/release
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Start a stand-in on a free loopback port (in this shell, so cleanup can stop it).
start() {
  "$bin/$1" --listen 127.0.0.1:0 >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
}
# Wait for a stand-in's "listening on URL" line and print the URL.
url_of() {
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$work/$1.out" 2>/dev/null; then sed -n 's/^listening on //p' "$work/$1.out"; return; fi
    sleep 0.1
  done
  echo "error: $1 did not start; its stderr:" >&2; cat "$work/$1.err" >&2; exit 1
}
start kestrel-rms-standin
start harrier-anpr-standin
kestrel=$(url_of kestrel-rms-standin)
harrier=$(url_of harrier-anpr-standin)
echo "==> Kestrel RMS stand-in at $kestrel, Harrier ANPR stand-in at $harrier"

echo; echo "==> writing each connector the least policy for its demo configuration"
"$bin/interop" policy init "$wasm/kestrel_rms_connector.wasm" --out "$work/kestrel-rms.toml" \
  --config "base_url=$kestrel" --config api_key=demo-key --config "force=Demo Constabulary"
"$bin/interop" policy init "$wasm/harrier_anpr_connector.wasm" --out "$work/harrier-anpr.toml" \
  --config "base_url=$harrier" --config token=demo-token --config "force=Demo Constabulary"
# The policies name the secrets' variables; the demo's values are the stand-ins' demo keys.
export INTEROP_KESTREL_RMS_API_KEY=demo-key INTEROP_HARRIER_ANPR_TOKEN=demo-token

echo; echo "==> the Kestrel policy, and what a security team sees when reviewing it"
cat "$work/kestrel-rms.toml"
echo
"$bin/interop" policy review "$wasm/kestrel_rms_connector.wasm" --policy "$work/kestrel-rms.toml"

kestrel_call() {
  "$bin/interop" call "$wasm/kestrel_rms_connector.wasm" "$@" --policy "$work/kestrel-rms.toml" \
    --justification "interop demo" --case-ref DEMO-1
}
harrier_call() {
  "$bin/interop" call "$wasm/harrier_anpr_connector.wasm" "$@" --policy "$work/harrier-anpr.toml" \
    --justification "interop demo" --case-ref DEMO-1
}

echo; echo "==> Kestrel RMS (JSON records system): people named Examplewood, as POLE"
kestrel_call search --input '{"kind":"Person","keys":[{"Name":{"surname":"Examplewood","given_name":null,"date_of_birth":null}}],"limit":3}'
echo; echo "==> Harrier ANPR (XML vehicle system): the same person as a registered keeper, as POLE"
harrier_call search --input '{"kind":"Person","keys":[{"Name":{"surname":"Examplewood","given_name":null,"date_of_birth":null}}],"limit":3}'
echo; echo "==> Harrier ANPR: vehicles registered ZX51ABC, as POLE objects"
harrier_call search --input '{"kind":"Object","keys":[{"Vrm":"ZX51 ABC"}],"limit":3}'
echo; echo "Done. Try: $bin/interop inspect $wasm/kestrel_rms_connector.wasm"
