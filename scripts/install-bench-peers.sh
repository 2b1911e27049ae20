#!/usr/bin/env bash
# Installs the tools `sheetseal bench --peers` compares the job with, on a Debian machine (run as
# root, or with sudo available): qpdf and mutool (mupdf-tools) for plain rewrites, and PyMuPDF,
# pikepdf and ppf-datamatrix in a virtual environment at target/bench-peers/venv for the same job
# scripted in Python (scripts/bench-peers.py). Nothing the tests need. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-bench-peers: need root (or sudo) to install: $*" >&2; exit 1; fi
}

missing=()
command -v qpdf >/dev/null || missing+=(qpdf)
command -v mutool >/dev/null || missing+=(mupdf-tools)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-bench-peers: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv=target/bench-peers/venv
if ! "$venv/bin/python" -c 'import pymupdf, pikepdf, ppf.datamatrix' 2>/dev/null; then
  echo "install-bench-peers: installing PyMuPDF, pikepdf and ppf-datamatrix (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pymupdf pikepdf ppf-datamatrix
fi
echo "install-bench-peers: ready; run sheetseal bench --peers from $(pwd)"
