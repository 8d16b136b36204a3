#!/usr/bin/env bash
# A release archive of interop for a vendor or a force who does not build the workspace:
# the `interop` binary (a release build), README.md, docs/, the contract (wit/), the SDK
# sources for Rust (sdk/, sdk/pole/), Python (sdk/python/) and JavaScript (sdk/js/), and the
# example connectors the docs refer to (example-plugins/).
#
#   scripts/release.sh                    # builds target/release/interop, writes dist/
#   scripts/release.sh --out DIR          # writes the archive into DIR
#   INTEROP_BIN=PATH scripts/release.sh   # packages that binary instead of building one
#
# It writes DIR/interop-VERSION-TARGET.tar.gz, holding one folder of that name, and
# DIR/interop-VERSION-TARGET.tar.gz.sha256, and prints the archive's path. Only files git
# tracks (or would track: new, not ignored) go in, so build output and caches stay out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

out=dist
while [ $# -gt 0 ]; do
    case $1 in
        --out)
            [ $# -ge 2 ] || { echo "release.sh: --out needs a directory" >&2; exit 2; }
            out=$2
            shift 2
            ;;
        -h | --help)
            sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "release.sh: unknown argument '$1' (see --help)" >&2
            exit 2
            ;;
    esac
done
command -v git >/dev/null || { echo "release.sh: needs git (it packs the files git tracks)" >&2; exit 1; }

# The workspace's version: the first `version = "…"` of Cargo.toml, in [workspace.package].
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "release.sh: no version in Cargo.toml's [workspace.package]" >&2; exit 1; }
target=$(rustc -vV | sed -n 's/^host: //p')

if [ -n "${INTEROP_BIN:-}" ]; then
    bin=$INTEROP_BIN
    [ -x "$bin" ] || { echo "release.sh: INTEROP_BIN=$bin is not an executable" >&2; exit 1; }
else
    cargo build --release --locked --bin interop
    bin="${CARGO_TARGET_DIR:-$root/target}/release/interop"
fi
"$bin" --version >/dev/null || { echo "release.sh: $bin does not run" >&2; exit 1; }

name="interop-$version-$target"
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dest="$stage/$name"
mkdir -p "$dest/bin"
cp "$bin" "$dest/bin/interop"
chmod 0755 "$dest/bin/interop"

# Tracked and new (not ignored) files of these paths, as they are in the working tree.
git ls-files -z --cached --others --exclude-standard -- \
    README.md docs wit sdk example-plugins \
    ':!:sdk/js/node_modules' ':!:**/__pycache__/**' |
    while IFS= read -r -d '' file; do
        [ -f "$file" ] || continue # deleted but still in the index
        mkdir -p "$dest/$(dirname "$file")"
        cp -p "$file" "$dest/$file"
    done

cat >"$dest/INSTALL.md" <<TEXT
# interop $version ($target)

\`bin/interop\` is the whole tool: put it on your PATH (e.g. \`install -m 0755 bin/interop
~/.local/bin/\`) and run \`interop --help\`.

- Vendors: docs/VENDOR-GUIDE.md, from \`interop new\` to a signed connector. A new project
  carries the SDK it builds against; sdk/ here holds the same sources (Rust, Python,
  JavaScript) to read.
- Forces: docs/OPERATOR-GUIDE.md, the gateway's configuration and the connector policy
  file; \`interop serve --example-config\` prints a configuration to start from.
- README.md is the project's overview; paths it names under host/ or tests/ are in the
  interop sources, not in this archive.
TEXT

archive="$out/$name.tar.gz"
# Reproducible: sorted names, no owners, one timestamp (the last commit's).
mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
    -C "$stage" -czf "$archive" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$archive"
