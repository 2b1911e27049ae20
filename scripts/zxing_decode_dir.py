#!/usr/bin/env python3
"""Decodes the Data Matrix in every .pgm image of a folder with zxing-cpp, a decoder sheetseal did
not write. Prints one line per image, in name order: the file name, a tab, the decoded text (empty
when nothing was read). Used by `sheetseal marks readability`; runs on its own too.
"""
import os
import sys

import zxingcpp
from PIL import Image


def main():
    folder = sys.argv[1]
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".pgm"):
            continue
        with Image.open(os.path.join(folder, name)) as image:
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix)
        text = found[0].text if found else ""
        print(f"{name}\t{text}")


if __name__ == "__main__":
    main()
