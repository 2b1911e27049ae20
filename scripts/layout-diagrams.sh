#!/usr/bin/env bash
# Renders the layout diagrams in docs/layouts/img/ from real output: a generated sample imposed
# in each layout, first press sheet front and back, rendered by pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/layouts/img
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --release -p sheetseal-cli -- corpus --letters 12 --seed 4 --out "$work/sample" >/dev/null
run() { # name, args...
  local name=$1; shift
  cargo run --quiet --release -p sheetseal-cli -- impose "$work/sample/letters.pdf" --out "$work/$name" \
    --job DOCS --split "index:$work/sample/letters.csv" "$@" >/dev/null
  pdftoppm -png -r 24 -f 1 -l 2 "$work/$name/DOCS.pdf" "$out/$name"
}
run duplex --layout duplex
run simplex --layout simplex
run nup-2x1 --layout nup:2x1 --sheet SRA3 --printer-marks all
run nup-2x2 --layout nup:2x2 --sheet SRA3 --cell 148x210mm --scaling fit --binding short --printer-marks all
run booklet --layout booklet --printer-marks all
ls -la "$out"
