#!/usr/bin/env python3
"""Decodes the marks a C test (test_mark, test_template) rendered (mark.pgm, 8-bit; mark.pbm, 1-bit) with
zxing-cpp and the PGM also with libdmtx's dmtxread, and checks each reads exactly payload.txt.
Usage: decode-raster.py DIR"""
import subprocess
import sys

import zxingcpp
from PIL import Image

folder = sys.argv[1]
want = open(f"{folder}/payload.txt").read()
failed = False
for name in ("mark.pgm", "mark.pbm"):
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(f"{folder}/{name}"))]
    if found != [want]:
        print(f"{name}: zxing-cpp read {found}, expected [{want!r}]")
        failed = True
dmtx = subprocess.run(["dmtxread", "-m", "500", "-N", "1", f"{folder}/mark.pgm"], capture_output=True, text=True)
if dmtx.stdout.strip() != want:
    print(f"mark.pgm: dmtxread read {dmtx.stdout.strip()!r} ({dmtx.stderr.strip()}), expected {want!r}")
    failed = True
sys.exit(1 if failed else 0)
