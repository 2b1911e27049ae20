#!/usr/bin/env python3
"""The duplex 1-up job with a Data Matrix mark on every sheet, scripted the way a mail house
would script it with a general PDF library, for `sheetseal bench --peers` to time beside
sheetseal.

    bench-peers.py pymupdf|pikepdf LETTERS.pdf LETTERS.csv OUT.pdf

Each letter of the index (item_id, first_page, page_count) is padded to an even page count with a
blank page; each sheet's front gets a Data Matrix symbol (ppf-datamatrix) of a payload naming the
job, the letter and the sheet, drawn as filled squares on a white quiet zone, 5 mm from the left
and 30 mm from the top, 0.42 mm a module: sheetseal's default place and size. Nothing else of
sheetseal's job (no clear-zone check, no manifest) is done, so the peers do less work than it.

pymupdf: each page shown on a new page (`show_pdf_page`, a form of the source page), the mark
drawn with a shape. pikepdf: the source pages appended, the mark added as a content stream.
"""

import csv
import sys

from ppf.datamatrix import DataMatrix

MM = 72 / 25.4
MODULE = 0.42 * MM
QUIET = 2.5 * MM
LEFT, FROM_TOP = 5 * MM, 30 * MM
A4 = (595.276, 841.89)


def job_pages(index_path):
    """Each page of the job in order: its source page (None for a blank) and, on a sheet's front,
    the payload of the sheet's mark (None on a back)."""
    with open(index_path, newline="") as f:
        for seq, row in enumerate(csv.DictReader(f), start=1):
            first, count = int(row["first_page"]), int(row["page_count"])
            pages = list(range(first - 1, first - 1 + count))
            if len(pages) % 2:
                pages.append(None)
            sheets = len(pages) // 2
            for i, number in enumerate(pages):
                yield number, (payload(seq, i // 2 + 1, sheets) if i % 2 == 0 else None)


def modules(payload):
    """The dark modules of the payload's symbol, as (column, row) from the top left."""
    matrix = DataMatrix(payload).matrix
    return len(matrix), [(c, r) for r, line in enumerate(matrix) for c, dark in enumerate(line) if dark]


def mark_squares(page_height, payload):
    """The quiet zone and the modules, as (x, y, width, height) in PDF points, lower-left origin."""
    size, dark = modules(payload)
    top = page_height - FROM_TOP
    zone = (LEFT - QUIET, top - size * MODULE - QUIET, size * MODULE + 2 * QUIET, size * MODULE + 2 * QUIET)
    squares = [(LEFT + c * MODULE, top - (r + 1) * MODULE, MODULE, MODULE) for c, r in dark]
    return zone, squares


def payload(seq, sheet, sheets):
    return f"BENCH-{seq:06d}{sheet:02d}{sheets:02d}"


def with_pymupdf(source_path, index_path, out_path):
    import pymupdf

    source = pymupdf.open(source_path)
    out = pymupdf.open()
    for number, mark in job_pages(index_path):
        width, height = (source[number].rect.width, source[number].rect.height) if number is not None else A4
        page = out.new_page(width=width, height=height)
        if number is not None:
            page.show_pdf_page(page.rect, source, number)
        if mark is not None:
            zone, squares = mark_squares(height, mark)
            shape = page.new_shape()
            to_rect = lambda x, y, w, h: pymupdf.Rect(x, height - y - h, x + w, height - y)
            shape.draw_rect(to_rect(*zone))
            shape.finish(fill=(1, 1, 1), color=None)
            for square in squares:
                shape.draw_rect(to_rect(*square))
            shape.finish(fill=(0, 0, 0), color=None)
            shape.commit()
    out.save(out_path, garbage=1, deflate=True)


def with_pikepdf(source_path, index_path, out_path):
    import pikepdf

    source = pikepdf.open(source_path)
    out = pikepdf.new()
    for number, mark in job_pages(index_path):
        if number is not None:
            out.pages.append(source.pages[number])
        else:
            out.add_blank_page(page_size=A4)
        if mark is not None:
            page = out.pages[-1]
            height = float(page.mediabox[3]) - float(page.mediabox[1])
            zone, squares = mark_squares(height, mark)
            ops = ["Q q 1 g %.3f %.3f %.3f %.3f re f 0 g" % zone]
            ops += ["%.3f %.3f %.3f %.3f re" % square for square in squares]
            ops.append("f Q")
            page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(out, "\n".join(ops).encode()), prepend=False)
    out.save(out_path, compress_streams=True)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("pymupdf", "pikepdf"):
        sys.exit(__doc__)
    job = with_pymupdf if sys.argv[1] == "pymupdf" else with_pikepdf
    job(*sys.argv[2:])


if __name__ == "__main__":
    main()
