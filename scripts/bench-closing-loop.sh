#!/usr/bin/env bash
# Measures verify (sheets per second, one and two worker processes) and reconcile (a log of a
# million reads, text and CSV) on the demo sample, with a release build. Prints wall time, CPU time
# and peak memory as /usr/bin/time reports them. Usage: scripts/bench-closing-loop.sh [LETTERS]
set -euo pipefail
cd "$(dirname "$0")/.."
letters=${1:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release --locked -p sheetseal-cli
bin="$work/sheetseal"
cp "${CARGO_TARGET_DIR:-target}/release/sheetseal" "$bin"
scripts/fetch-pdfium.sh >/dev/null
"$bin" demo --out "$work/demo" --letters "$letters" | sed -n 2p
timed() { /usr/bin/time -f "  %e s wall, %U s user CPU, %M KB peak RSS" "$@"; }

for jobs in 1 2; do
  echo "== verify --jobs $jobs"
  timed "$bin" verify "$work/demo/job" --jobs "$jobs" | grep -E "sheets/s|PASSED|FAILED"
done

echo "== a log of 1,000,000 reads: the job over and over, 0.1% no-reads, 0.05% dropped, 0.05% double feeds"
python3 - "$work/demo/job/manifest.json" "$work/scans" <<'PY'
import json, random, sys
payloads = [s["payload"] for s in json.load(open(sys.argv[1]))["sheets"]]
random.seed(1)
reads = []
while len(reads) < 1_000_000:
    for p in payloads:
        r = random.random()
        if r < 0.001: reads.append(None)
        elif r < 0.0015: continue
        elif r < 0.002: reads += [p, p]
        else: reads.append(p)
reads = reads[:1_000_000]
with open(sys.argv[2] + ".txt", "w") as f:
    f.writelines((p or "NOREAD") + "\n" for p in reads)
with open(sys.argv[2] + ".csv", "w") as f:
    f.write("timestamp,station,payload\n")
    f.writelines(f"2026-05-04T10:00:{i % 60:02}Z,{i % 10000:04},{p or ''}\n" for i, p in enumerate(reads))
PY
for log in scans.txt scans.csv; do
  echo "== reconcile $log"
  timed "$bin" reconcile "$work/demo/job" --scans "$work/$log" | sed -n 2,4p || true
done
echo "== reconcile scans.txt with the JSON report"
timed "$bin" reconcile "$work/demo/job" --scans "$work/scans.txt" --report "$work/report.json" >/dev/null || true
ls -l "$work/report.json" | awk '{print "  report: " $5 " bytes"}'
