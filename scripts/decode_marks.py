#!/usr/bin/env python3
"""Decodes every integrity mark of a sheetseal job with decoders sheetseal did not write.

Reads DIR/manifest.json, renders each sheet's mark region at 300 dpi with pdftoppm, and decodes it
with zxing-cpp; a sample is also decoded with libdmtx's dmtxread. Every payload must equal the
manifest's. Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import zxingcpp
from PIL import Image

DPI = 300
MARGIN_PT = 6.0


def render(pdf, sheet):
    x, y, w, h = sheet["mark"]["zone"]
    page_h = sheet["size"][1]
    s = DPI / 72.0
    left, top = (x - MARGIN_PT) * s, (page_h - (y + h) - MARGIN_PT) * s
    width, height = (w + 2 * MARGIN_PT) * s, (h + 2 * MARGIN_PT) * s
    page = str(sheet["front_page"])
    out = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(DPI), "-f", page, "-l", page,
         "-x", str(round(left)), "-y", str(round(top)), "-W", str(round(width)), "-H", str(round(height)), pdf],
        check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(out))


def zxing(image):
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix)
    return found[0].text if found else None


def dmtx(image):
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        image.save(f.name)
        out = subprocess.run(["dmtxread", "-m", "500", "-N", "1", f.name], capture_output=True, text=True)
        return out.stdout.strip() or None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("job_dir")
    parser.add_argument("--dmtxread-sample", type=int, default=12, help="sheets also checked with dmtxread")
    args = parser.parse_args()
    manifest = json.load(open(os.path.join(args.job_dir, "manifest.json")))
    outputs = [os.path.join(args.job_dir, o["path"]) for o in manifest["outputs"]]
    sheets = manifest["sheets"]
    step = max(1, len(sheets) // max(1, args.dmtxread_sample))

    def check(indexed):
        index, sheet = indexed
        image = render(outputs[sheet["output"]], sheet)
        problems = []
        read = zxing(image)
        if read != sheet["payload"]:
            problems.append(f"sheet {sheet['seq']}: zxing-cpp read {read!r}, manifest says {sheet['payload']!r}")
        if args.dmtxread_sample and index % step == 0:
            read = dmtx(image)
            if read != sheet["payload"]:
                problems.append(f"sheet {sheet['seq']}: dmtxread read {read!r}, manifest says {sheet['payload']!r}")
        return problems

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(check, enumerate(sheets)))
    failures = [p for r in results for p in r]
    for line in failures:
        print(line)
    print(f"decode_marks: {len(sheets) - sum(1 for r in results if r)} passed, {sum(1 for r in results if r)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
