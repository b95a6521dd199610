"""PDF rendering time: milliseconds per job sheet page, and a 1,000-sheet batch.

    .venv/bin/python benchmarks/documents.py [--quick]

Job sheets are the test factory's typical sheet (6 operations, 8 configuration lines,
customer inputs, measurements, materials, QR code and barcode; 2 A4 pages each), each
with its own job id so every QR code is encoded afresh. Single-sheet timing renders one
PDF per sheet; the batch renders every sheet into one PDF. `--quick` times 100 sheets in
the batch and scales to 1,000. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

# The views come from the test factories, so benchmark and tests measure the same sheets.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcbackend.documents.batch import render_job_sheet_batch
from mcbackend.documents.job_sheet import render_job_sheet
from tests.unit.document_factories import branding, job_sheet

TARGET_MS_PER_PAGE = 30.0
TARGET_BATCH_S = 30.0


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time 100 batch sheets, scale up")
    args = parser.parse_args()
    look = branding("A4")

    render_job_sheet(job_sheet(), look)  # font registration and style set-up, once per process

    singles = 50 if args.quick else 200
    views = [job_sheet(job_id=f"J-2025-{number:05d}") for number in range(singles)]
    started = time.perf_counter()
    pdfs = [render_job_sheet(view, look) for view in views]
    single_s = time.perf_counter() - started
    pages = sum(page_count(pdf) for pdf in pdfs)
    ms_per_page = 1000 * single_s / pages
    print(f"single sheets: {singles} sheets, {pages} pages in {single_s:.2f} s")
    print(f"  {ms_per_page:.1f} ms per page (target <= {TARGET_MS_PER_PAGE:.0f} ms)")

    batch_sheets = 100 if args.quick else 1000
    views = [job_sheet(job_id=f"J-2025-{number:05d}") for number in range(batch_sheets)]
    started = time.perf_counter()
    pdf = render_job_sheet_batch(views, look)
    batch_s = time.perf_counter() - started
    batch_pages = page_count(pdf)
    batch_1000_s = batch_s * 1000 / batch_sheets
    print(
        f"batch: {batch_sheets} sheets, {batch_pages} pages, {len(pdf) / 1e6:.1f} MB "
        f"in {batch_s:.2f} s ({1000 * batch_s / batch_pages:.1f} ms per page)"
    )
    scaled = " (scaled from 100)" if args.quick else ""
    print(f"  1,000 sheets: {batch_1000_s:.1f} s{scaled} (target <= {TARGET_BATCH_S:.0f} s)")
    print(
        json.dumps({"ms_per_page": round(ms_per_page, 2), "batch_1000_s": round(batch_1000_s, 2)})
    )


if __name__ == "__main__":
    main()
