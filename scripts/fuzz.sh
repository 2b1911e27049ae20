#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/Cargo.toml) for a bounded time on a scratch copy of its
# committed seeds (fuzz/seeds/<target>/; pdf_read shares pdf_job's), plus the small files of the
# public corpus for the PDF targets. Stops with status 1 at the first crash, leaving the input in
# fuzz/artifacts/<target>/: turn it into a regression test (core/tests/fuzz_regressions.rs) named
# for what it guards.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 45 s, every target)
#
# With FUZZ_LEDGER=FILE, appends one line per target run (date, target, seconds, runs, result),
# the record docs/robustness.md reports. Needs cargo-fuzz (scripts/setup.sh installs it); the
# stable toolchain is used with RUSTC_BOOTSTRAP=1 for the sanitizer flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-45}
shift || true
# A ledger named relative to where the script was started, not to fuzz/, where it runs.
if [ -n "${FUZZ_LEDGER:-}" ]; then FUZZ_LEDGER=$(realpath -m -- "$FUZZ_LEDGER"); fi
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1
# Sanitizer builds get their own folder (FUZZ_TARGET_DIR): they must not replace ordinary builds.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/fuzz}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
echo "fuzz: building the targets"
# Release code with debug assertions and overflow checks (cargo-fuzz's default), in 16 codegen
# units so that a cold build stays short on two cores.
flags=(--codegen-units 16)
cargo fuzz build "${flags[@]}" >/dev/null 2>"$CARGO_TARGET_DIR.build.log" \
  || { cat "$CARGO_TARGET_DIR.build.log" >&2; exit 1; }
public="${SHEETSEAL_PUBLIC_CORPUS:-$root/../shared/corpus/public}"
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  seeds=$target
  # Both PDF targets start from the same files.
  [ "$target" = pdf_read ] && seeds=pdf_job
  cp "seeds/$seeds/"* "$work/" 2>/dev/null || true
  if [[ "$target" == pdf_* ]] && [ -d "$public" ]; then
    find "$public" -name '*.pdf' -size -64k -exec cp {} "$work/" \;
  fi
  log="$work.log"
  started=$(date +%s)
  status=0
  cargo fuzz run "${flags[@]}" "$target" "$work" -- -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
    -max_len=262144 -print_final_stats=1 >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - started ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    result=crash
  else
    result=ok
  fi
  echo "fuzz: $target: ${runs:-0} runs in ${elapsed} s: $result"
  if [ -n "${FUZZ_LEDGER:-}" ]; then
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$elapsed" "${runs:-0}" "$result" >>"$FUZZ_LEDGER"
  fi
  if [ "$status" -ne 0 ]; then
    tail -60 "$log" >&2
    echo "fuzz: $target crashed; the input is in fuzz/artifacts/$target/" >&2
    rm -rf "$work"
    exit 1
  fi
  rm -rf "$work" "$log"
done
