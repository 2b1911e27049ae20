#!/usr/bin/env bash
# Regenerates docs/robustness.md from fresh evidence:
#   1. fuzzes every target for FUZZ_SECONDS each (default 0: none), recording the runs in
#      docs/robustness/fuzz-ledger.tsv;
#   2. runs the kill test (unless KILL_TEST=0), recording it in docs/robustness/kill-tests.tsv;
#   3. runs every file of the public corpus through a release build of `sheetseal impose`
#      (outcome, time, peak memory) and writes the report with the limits in force, the fuzzing
#      ledger and findings (docs/robustness/fuzz-findings.tsv) and the kill-test log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data=docs/robustness
corpus="${SHEETSEAL_PUBLIC_CORPUS:-$root/../shared/corpus/public}"
if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
  FUZZ_LEDGER="$root/$data/fuzz-ledger.tsv" scripts/fuzz.sh "$FUZZ_SECONDS"
fi
if [ "${KILL_TEST:-1}" = 1 ]; then
  SHEETSEAL_KILL_LOG="$root/$data/kill-tests.tsv" cargo test --quiet --locked -p sheetseal-cli --test integration \
    -- --exact faults::a_job_killed_at_random_moments_never_leaves_output_that_looks_finished
fi
cargo build --quiet --locked --release -p sheetseal-cli
"${CARGO_TARGET_DIR:-target}/release/sheetseal" robustness-report --corpus "$corpus" \
  --fuzz-ledger "$data/fuzz-ledger.tsv" --fuzz-findings "$data/fuzz-findings.tsv" \
  --kill-log "$data/kill-tests.tsv" --out docs/robustness.md
