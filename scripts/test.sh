#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, then runs every test.
#   scripts/test.sh            # everything
#   scripts/test.sh -p interop-tests --test sandbox    # extra args go to `cargo test`
# With no arguments it runs the workspace's tests, then schemathesis (pinned, installed into a
# venv under target/ on first use) against a live demo gateway (host/tests/schemathesis.rs);
# INTEROP_TEST_PART=suite or =schemathesis runs only one of them (.ci/run times them apart).
set -euo pipefail
cd "$(dirname "$0")/.."

# The connectors are compiled to WebAssembly components; the tests build them.
rustup target add wasm32-wasip2 >/dev/null

# The Python and JavaScript example connectors are built with componentize-py and ComponentizeJS,
# which tests/artifacts installs under the target directory; they need python3 (with venv),
# node and npm. Install them if missing and we may; otherwise the build says what is missing.
# The officer's app and the operator console are tested in Debian's Chromium, driven by npm
# playwright-core (no browser download; host/tests/app_browser.rs and console_browser.rs install
# the npm packages from tests/browser's lock file).
missing=()
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3 python3-venv)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The audit chain many replicas share is tested against a real PostgreSQL (Debian's), which each
# such test starts in a temporary directory with scripts/pg.sh (as the postgres user when run
# as root), making a CA and server certificate with openssl for its TLS test.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the Python and JavaScript connectors, the app's browser test and the PostgreSQL tests"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The helper libraries' own tests (pure parts; no wasm needed).
(cd sdk/python && PYTHONDONTWRITEBYTECODE=1 python3 -m unittest --quiet)
(cd sdk/js && node --test test/)

if [ $# -gt 0 ]; then
    cargo test --workspace --locked "$@"
    exit
fi
part=${INTEROP_TEST_PART:-all}
case "$part" in all|suite|schemathesis) ;; *) echo "INTEROP_TEST_PART is all, suite or schemathesis, not $part" >&2; exit 2 ;; esac
schemathesis_test=schemathesis_finds_nothing_against_the_demo_gateway
if [ "$part" != schemathesis ]; then
    started=$SECONDS
    cargo test --workspace --locked -- --skip "$schemathesis_test"
    echo "== the workspace's tests: $((SECONDS - started)) s"
fi
if [ "$part" != suite ]; then
    # Every phase and check of schemathesis against the demo's gateway (the interop binary
    # built above, both example connectors and their stand-ins, the demo's tokens); any
    # failure it reports fails the run. Bounded: INTEROP_SCHEMATHESIS_EXAMPLES per operation.
    started=$SECONDS
    # --workspace, not -p interop: the same features as the suite above, so nothing rebuilds.
    cargo test --workspace --locked --test schemathesis -- --exact "$schemathesis_test" --nocapture
    echo "== schemathesis against the demo gateway: $((SECONDS - started)) s"
fi
