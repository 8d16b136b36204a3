#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, then runs every test.
#   scripts/test.sh            # everything
#   scripts/test.sh -p interop-tests --test sandbox    # extra args go to `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

# The connectors are compiled to WebAssembly components; the tests build them.
rustup target add wasm32-wasip2 >/dev/null

# The Python and JavaScript example connectors are built with componentize-py and ComponentizeJS,
# which tests/artifacts installs under the target directory; they need python3 (with venv),
# node and npm. Install them if missing and we may; otherwise the build says what is missing.
# The officer's app is tested in Debian's Chromium, driven by npm playwright-core (no browser
# download; host/tests/app_browser.rs installs the npm packages from tests/browser's lock file).
missing=()
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3 python3-venv)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} for the Python and JavaScript connectors and the app's browser test"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The helper libraries' own tests (pure parts; no wasm needed).
(cd sdk/python && PYTHONDONTWRITEBYTECODE=1 python3 -m unittest --quiet)
(cd sdk/js && node --test test/)

cargo test --workspace --locked "$@"
