#!/usr/bin/env bash
# Fetches libpdfium.so (used by verify, preview and text splitting) from the PyPI wheel pypdfium2,
# the only distribution of pdfium binaries this project relies on, and unpacks it into
# ${SHEETSEAL_PDFIUM_DIR:-<repo>/.pdfium}. Idempotent. Prints the library's path.
set -euo pipefail
VERSION=5.15.2   # pdfium build 8149; pdfium-render's pdfium_latest bindings match it
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${SHEETSEAL_PDFIUM_DIR:-$root/.pdfium}
lib="$dest/libpdfium.so"
if [ -s "$lib" ] && [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$VERSION" ]; then
  echo "$lib"; exit 0
fi
command -v python3 >/dev/null || { echo "fetch-pdfium: python3 with pip is needed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.11 -d "$work" "pypdfium2==$VERSION" >&2
wheel=$(ls "$work"/pypdfium2-*.whl)
python3 - "$wheel" "$work" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.endswith("/libpdfium.so")]
    if not names:
        sys.exit("fetch-pdfium: no libpdfium.so in the wheel")
    with open(sys.argv[2] + "/libpdfium.so", "wb") as out:
        out.write(z.read(names[0]))
PY
mkdir -p "$dest"
mv "$work/libpdfium.so" "$lib.tmp" && mv "$lib.tmp" "$lib"
echo "$VERSION" > "$dest/VERSION"
echo "$lib"
