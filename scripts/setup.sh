#!/usr/bin/env bash
# Installs what the tests and the readability checks need on a fresh Debian machine (run as root,
# or with sudo available): qpdf and poppler-utils (validators and renderers), dmtx-utils (libdmtx's
# dmtxread), the C toolchain, valgrind and cbindgen for the C API tests, the Python zxing-cpp
# decoder, and cargo-fuzz. Idempotent: installs only what is missing.
set -euo pipefail

missing=()
command -v qpdf >/dev/null || missing+=(qpdf)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v dmtxread >/dev/null || missing+=(dmtx-utils)
[ -x /usr/bin/cbindgen ] || missing+=(cbindgen)
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
"$(dirname "$0")/apt-install.sh" setup "${missing[@]}"

if ! python3 -c 'import zxingcpp, PIL' 2>/dev/null; then
  echo "setup: installing the zxing-cpp decoder (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check zxing-cpp pillow 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages zxing-cpp pillow
fi

if ! command -v cargo-fuzz >/dev/null && ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz (crates.io)"
  cargo install --quiet --locked cargo-fuzz
fi
