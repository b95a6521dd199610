"""The job sheet: content, page flow, margins, codes and reproducible bytes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from io import BytesIO

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from mcbackend.documents.job_sheet import render_job_sheet
from mcbackend.documents.layout import MARGIN
from mcbackend.documents.views import OperationLine
from tests.unit.document_checks import ink_outside, page_sizes, page_texts, render_pages
from tests.unit.document_factories import JOB_URL, branding, job_sheet

MARGIN_MM = MARGIN / (72 / 25.4)
CYRILLIC_MONOGRAM = "Ж. Б. · Жанна Белова"


@pytest.fixture(scope="module")
def sheet_pdf() -> bytes:
    return render_job_sheet(job_sheet(), branding())


@pytest.fixture(scope="module", params=["A4", "Letter"])
def long_sheet(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    view = job_sheet(operations=200, config_lines=80, monogram=CYRILLIC_MONOGRAM)
    return request.param, render_job_sheet(view, branding(request.param))


def test_the_sheet_names_order_job_unit_product_and_configuration(sheet_pdf: bytes) -> None:
    text = "\n".join(page_texts(sheet_pdf))
    for expected in (
        "SO-10023",
        "J-2025-00042",
        "U-25-000187",
        "Harbour corner sofa, made to order",
        "Left-hand side (seen from the front)",
        "Ткань подушек",
        "Велюр, тёмно-зелёный",
        "Approved proof: version 3",
        "proof-v3.pdf",
        "2840 mm",
        "Bouclé ivory, roll 1",
        "Sew cushion covers",
        "Ольга",
        "RUSH",
        "Plan version 12",
        "Printed 4 Mar 2025 07:15 CET",
    ):
        assert expected in text, expected


def test_operation_times_are_shown_in_the_plant_time_zone(sheet_pdf: bytes) -> None:
    # The first operation starts 07:00 UTC, 08:00 in Berlin.
    text = "\n".join(page_texts(sheet_pdf))
    assert "Tue 4 Mar\n08:00" in text or "Tue 4 Mar 08:00" in text


def test_every_page_says_which_page_of_how_many(sheet_pdf: bytes) -> None:
    texts = page_texts(sheet_pdf)
    assert len(texts) == 2
    assert "Page 1 of 2" in texts[0]
    assert "Page 2 of 2" in texts[1]


def test_same_view_gives_identical_bytes() -> None:
    view = job_sheet()
    assert render_job_sheet(view, branding()) == render_job_sheet(view, branding())


def test_long_sheet_flows_over_pages_with_repeated_table_headers(
    long_sheet: tuple[str, bytes],
) -> None:
    _, pdf = long_sheet
    texts = page_texts(pdf)
    assert len(texts) > 5
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert "SO-10023 · J-2025-00042" in text  # every loose page names its job
    full = "\n".join(texts)
    assert CYRILLIC_MONOGRAM in full
    assert "Extra option 71" in full
    assert re.search(r"\b2000\b", full), "the last operation (sequence 2000) is missing"
    operation_pages = [text for text in texts if "Sign" in text or "Done" in text]
    assert len(operation_pages) >= 3
    assert all("Resource" in text and "Setup" in text for text in operation_pages)


def test_long_sheet_draws_nothing_in_the_margins(long_sheet: tuple[str, bytes]) -> None:
    size, pdf = long_sheet
    expected = (595.28, 841.89) if size == "A4" else (612.0, 792.0)
    assert all(abs(w - expected[0]) < 1 and abs(h - expected[1]) < 1 for w, h in page_sizes(pdf))
    dpi = 40
    for index, image in enumerate(render_pages(pdf, dpi)):
        assert ink_outside(image, MARGIN_MM - 1, dpi) == dict.fromkeys(
            ("top", "bottom", "left", "right"), 0
        ), f"page {index + 1}"


def test_qr_code_opens_the_job_and_barcode_carries_the_job_id(sheet_pdf: bytes) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    (first_page,) = render_pages(sheet_pdf, 200, range(1))
    found = {result.format.name: result.text for result in zxingcpp.read_barcodes(first_page)}
    assert found.get("QRCode") == JOB_URL
    assert found.get("Code128") == "J-2025-00042"


def test_user_text_is_printed_literally_not_read_as_markup() -> None:
    view = replace(job_sheet(), product="Table <b>oak</b> & steel")
    text = "\n".join(page_texts(render_job_sheet(view, branding(logo=False))))
    assert "Table <b>oak</b> & steel" in text


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OperationLine(1, "Cut", "Table", datetime(2025, 3, 4, 8), datetime(2025, 3, 4, 9))


def test_the_margin_check_notices_ink_in_the_margin() -> None:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.rect(3, 3, 20, 20, fill=1)
    canvas.save()
    (image,) = render_pages(buffer.getvalue(), 40)
    assert ink_outside(image, MARGIN_MM - 1, 40)["bottom"] > 0
