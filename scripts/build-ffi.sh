#!/usr/bin/env bash
# Builds libsheetseal (.so and .a) and writes sheetseal.pc next to them, so that C programs build
# with `PKG_CONFIG_PATH=<that folder> pkg-config --cflags --libs sheetseal`.
# Usage: scripts/build-ffi.sh [--debug]   (release by default). Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=release
cargo_args=(--release)
if [ "${1:-}" = --debug ]; then profile=debug; cargo_args=(); fi
cargo build --quiet --locked -p sheetseal-ffi "${cargo_args[@]}"
target=${CARGO_TARGET_DIR:-$root/target}
libdir=$(cd "$target/$profile" && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
cat > "$libdir/sheetseal.pc" <<PC
prefix=$root
libdir=$libdir
includedir=$root/ffi/include

Name: sheetseal
Description: Data Matrix integrity marks and imposition for mail-merged PDFs
Version: $version
Libs: -L\${libdir} -lsheetseal
Libs.private: -lpthread -ldl -lm -lrt -lgcc_s
Cflags: -I\${includedir}
PC
echo "$libdir"
