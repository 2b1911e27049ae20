#!/usr/bin/env bash
# Installs the tools `sheetseal bench --peers` compares the job with, on a Debian machine (run as
# root, or with sudo available): qpdf and mutool (mupdf-tools) for plain rewrites, and PyMuPDF,
# pikepdf, pypdf and ppf-datamatrix in a virtual environment at target/bench-peers/venv for the
# same job scripted in Python (scripts/bench-peers.py; its qpdf overlay job uses qpdf too).
# Nothing the tests need. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v qpdf >/dev/null || missing+=(qpdf)
command -v mutool >/dev/null || missing+=(mupdf-tools)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
scripts/apt-install.sh install-bench-peers "${missing[@]}"

venv=target/bench-peers/venv
if ! "$venv/bin/python" -c 'import pymupdf, pikepdf, pypdf, ppf.datamatrix' 2>/dev/null; then
  echo "install-bench-peers: installing PyMuPDF, pikepdf, pypdf and ppf-datamatrix (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pymupdf pikepdf pypdf ppf-datamatrix
fi
echo "install-bench-peers: ready; run sheetseal bench --peers from $(pwd)"
