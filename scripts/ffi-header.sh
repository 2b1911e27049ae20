#!/usr/bin/env bash
# Generates the C header ffi/include/sheetseal.h from ffi/src with cbindgen (Debian's package, the
# version pinned here: its output is committed and compared). With --check, regenerates it and
# fails if it differs from the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.24.3
cbindgen=/usr/bin/cbindgen
if ! "$cbindgen" --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  echo "ffi-header: needs cbindgen $CBINDGEN_VERSION (Debian package cbindgen; scripts/setup.sh installs it)" >&2
  exit 1
fi
args=(--config ffi/cbindgen.toml --crate sheetseal-ffi --output ffi/include/sheetseal.h)
if [ "${1:-}" = --check ]; then
  if ! "$cbindgen" "${args[@]}" --verify ffi; then
    echo "ffi-header: ffi/include/sheetseal.h is out of date; run scripts/ffi-header.sh and commit it" >&2
    exit 1
  fi
else
  "$cbindgen" "${args[@]}" ffi
fi
