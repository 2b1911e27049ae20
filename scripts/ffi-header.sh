#!/usr/bin/env bash
# Generates the C header ffi/include/sheetseal.h from ffi/src with cbindgen (the version pinned in
# scripts/setup.sh). With --check, regenerates it and fails if it differs from the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.2
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  echo "ffi-header: needs cbindgen $CBINDGEN_VERSION (cargo install cbindgen --version $CBINDGEN_VERSION --locked)" >&2
  exit 1
fi
args=(--config ffi/cbindgen.toml --crate sheetseal-ffi --output ffi/include/sheetseal.h)
if [ "${1:-}" = --check ]; then
  if ! cbindgen "${args[@]}" --verify ffi; then
    echo "ffi-header: ffi/include/sheetseal.h is out of date; run scripts/ffi-header.sh and commit it" >&2
    exit 1
  fi
else
  cbindgen "${args[@]}" ffi
fi
