#!/usr/bin/env bash
# The linkage benchmark: interop-linkage beside Splink (DuckDB) on the same labelled synthetic
# data, two seeds, pairwise precision / recall / F1 and wall time. See docs/LINKAGE.md.
#
#   scripts/bench-linkage.sh                 # seeds 1 and 2, 6000 people (~11,000 records)
#   SEEDS="1 2 3" PEOPLE=6000 RUNS=3 scripts/bench-linkage.sh
#
# Makes a venv under target/bench-tools/ with the pinned Splink (scripts/linkage/requirements.txt),
# builds link-bench in release, generates the seeds under target/linkage-bench/, runs both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
TOOLS="$CARGO_TARGET_DIR/bench-tools"
VENV="$TOOLS/venv"
REQUIREMENTS=scripts/linkage/requirements.txt

mkdir -p "$TOOLS"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# Reinstall only when the pins change.
STAMP="$VENV/.requirements"
if ! cmp -s "$REQUIREMENTS" "$STAMP"; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$STAMP"
fi

cargo build --release --quiet -p interop-linkage --bin link-bench

# shellcheck disable=SC2086 # SEEDS is a list
python3 scripts/linkage/bench.py \
    --link-bench "$CARGO_TARGET_DIR/release/link-bench" \
    --splink-python "$VENV/bin/python" \
    --out "$CARGO_TARGET_DIR/linkage-bench" \
    --seeds ${SEEDS:-1 2} \
    --people "${PEOPLE:-6000}" \
    --runs "${RUNS:-3}"
