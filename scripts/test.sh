#!/usr/bin/env bash
# The whole test suite: installs what it needs, then formatting, lints, unit and end-to-end tests
# (among them the kill test, a full disk and hostile input), the C API's C tests, a cross-check of every mark of the
# demo output with two more decoders (zxing-cpp, libdmtx), and a bounded run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/fetch-pdfium.sh >/dev/null

echo "== cargo fmt --check"
cargo fmt --all -- --check
# The fuzz targets are a workspace of their own, outside `cargo fmt --all`.
rustfmt --check --edition 2021 fuzz/fuzz_targets/*.rs
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== C API (libsheetseal): header, C tests under ASan/UBSan and valgrind"
scripts/test-ffi.sh
echo "== marks of the demo output, decoded by zxing-cpp and dmtxread"
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
cargo run --quiet --locked -p sheetseal-cli -- demo --out "$demo_dir" >/dev/null
python3 scripts/decode_marks.py "$demo_dir/job" --dmtxread-sample 12
echo "== sheetseal verify of the demo output (pdfium renders, rxing decodes)"
cargo run --quiet --locked -p sheetseal-cli -- verify "$demo_dir/job"
echo "== fuzzing: every target for ${FUZZ_SECONDS:-20} s on its committed seeds"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
