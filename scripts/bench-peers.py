#!/usr/bin/env python3
"""The duplex 1-up job with a Data Matrix mark on every sheet, scripted the way a mail house
would script it with a general PDF library, for `sheetseal bench --peers` to time beside
sheetseal.

    bench-peers.py pymupdf|pikepdf|pypdf|qpdf-overlay LETTERS.pdf LETTERS.csv OUT.pdf

Each letter of the index (item_id, first_page, page_count) is padded to an even page count with a
blank page; each sheet's front gets a Data Matrix symbol (ppf-datamatrix) of a payload naming the
job, the letter and the sheet, drawn as filled squares on a white quiet zone, 5 mm from the left
and 30 mm from the top, 0.42 mm a module: sheetseal's default place and size. Nothing else of
sheetseal's job (no clear-zone check, no manifest) is done, so the peers do less work than it.

pymupdf: each page shown on a new page (`show_pdf_page`, a form of the source page), the mark
drawn with a shape. pikepdf: the source pages appended, the mark added as a content stream.
pypdf: the source pages added, the mark stamped with `merge_page` (a page whose content is the
mark), the merged content compressed. qpdf-overlay: the marks made as a stamp file with pikepdf
(one page per page of the job, empty on backs), then the qpdf command line selects the pages,
with a blank page where a letter is padded, and overlays the stamps (`--overlay`).
"""

import csv
import os
import subprocess
import sys
import tempfile

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


def mark_operators(page_height, payload):
    """The mark as content stream operators, in a graphics state of its own."""
    zone, squares = mark_squares(page_height, payload)
    ops = ["q 1 g %.3f %.3f %.3f %.3f re f 0 g" % zone]
    ops += ["%.3f %.3f %.3f %.3f re" % square for square in squares]
    ops.append("f Q")
    return "\n".join(ops).encode()


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
            page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
            mark_stream = pikepdf.Stream(out, b"Q\n" + mark_operators(height, mark))
            page.contents_add(mark_stream, prepend=False)
    out.save(out_path, compress_streams=True)


def with_pypdf(source_path, index_path, out_path):
    from pypdf import PageObject, PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject

    source = PdfReader(source_path)
    out = PdfWriter()
    for number, mark in job_pages(index_path):
        if number is not None:
            page = out.add_page(source.pages[number])
        else:
            page = out.add_blank_page(*A4)
        if mark is not None:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            stamp = PageObject.create_blank_page(width=width, height=height)
            content = DecodedStreamObject()
            content.set_data(mark_operators(height, mark))
            stamp.replace_contents(content)
            page.merge_page(stamp)
            page.compress_content_streams()
    with open(out_path, "wb") as f:
        out.write(f)


def with_qpdf_overlay(source_path, index_path, out_path):
    import pikepdf

    source = pikepdf.open(source_path)
    heights = [float(page.mediabox[3]) - float(page.mediabox[1]) for page in source.pages]
    widths = [float(page.mediabox[2]) - float(page.mediabox[0]) for page in source.pages]
    source.close()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(out_path))) as work:
        blank_path, stamps_path = os.path.join(work, "blank.pdf"), os.path.join(work, "stamps.pdf")
        blank = pikepdf.new()
        blank.add_blank_page(page_size=A4)
        blank.save(blank_path)
        stamps = pikepdf.new()
        # qpdf's arguments, one a line: the job's pages (runs of source pages and blanks), then
        # the stamps laid over them page by page.
        args = ["--empty", "--pages"]
        run = None
        for number, mark in job_pages(index_path):
            size = (widths[number], heights[number]) if number is not None else A4
            stamps.add_blank_page(page_size=size)
            if mark is not None:
                stamps.pages[-1].contents_add(pikepdf.Stream(stamps, mark_operators(size[1], mark)))
            if number is None:
                args += [blank_path, "1"]
                run = None
            elif run is not None and run[1] == number:
                run[1] = number + 1
                args[-1] = "%d-%d" % (run[0] + 1, number + 1)
            else:
                run = [number, number + 1]
                args += [source_path, str(number + 1)]
        stamps.save(stamps_path, compress_streams=True)
        args += ["--", "--overlay", stamps_path, "--", out_path]
        args_path = os.path.join(work, "args")
        with open(args_path, "w") as f:
            f.write("\n".join(args) + "\n")
        subprocess.run(["qpdf", "@" + args_path], check=True)


JOBS = {
    "pymupdf": with_pymupdf,
    "pikepdf": with_pikepdf,
    "pypdf": with_pypdf,
    "qpdf-overlay": with_qpdf_overlay,
}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in JOBS:
        sys.exit(__doc__)
    JOBS[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
