"""Dispatch lists per resource and batches of job sheets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mcbackend.documents.batch import render_job_sheet_batch
from mcbackend.documents.dispatch_list import render_dispatch_list
from tests.unit.document_checks import ink_outside, page_texts, render_pages
from tests.unit.document_factories import branding, dispatch_list, job_sheet


def test_dispatch_list_shows_operations_in_planned_order_with_setup_changes() -> None:
    view = dispatch_list(lines=12)
    shuffled = replace(view, lines=tuple(reversed(view.lines)))
    text = "\n".join(page_texts(render_dispatch_list(shuffled, branding())))
    assert "Cutting table 1" in text
    assert "Early shift · 4 Mar 2025, 07:00\u201315:00 CET" in text
    positions = [text.index(f"J-2025-{number:05d}") for number in range(40, 52)]
    assert positions == sorted(positions)
    assert text.count("SETUP CHANGE") == 3
    assert "Fabric Bouclé ivory → Velvet green" in text
    assert "Monogram «Ж. Б.»" in text
    assert "12 operations · 3 setup changes (45 min setup)" in text
    assert "Plan version 12" in text


def test_long_dispatch_list_repeats_its_header_and_keeps_margins_clear() -> None:
    pdf = render_dispatch_list(dispatch_list(lines=80), branding("Letter"))
    texts = page_texts(pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert "Operation and product" in text
    for image in render_pages(pdf, 40):
        assert not any(ink_outside(image, 11, 40).values())


def test_empty_dispatch_list_says_so() -> None:
    view = replace(dispatch_list(), lines=())
    text = page_texts(render_dispatch_list(view, branding()))[0]
    assert "Nothing is planned on this resource in this period." in text


def test_batch_restarts_page_numbers_for_every_sheet() -> None:
    views = [
        job_sheet(job_id="J-A"),
        job_sheet(job_id="J-B", operations=60),
        job_sheet(job_id="J-C"),
    ]
    texts = page_texts(render_job_sheet_batch(views, branding()))
    pages = {
        job: [text for text in texts if f"SO-10023 · {job}" in text]
        for job in ("J-A", "J-B", "J-C")
    }
    assert sum(len(sheet) for sheet in pages.values()) == len(texts)
    assert texts[0] == pages["J-A"][0] and texts[-1] == pages["J-C"][-1]
    for sheet in pages.values():
        total = len(sheet)
        for number, text in enumerate(sheet, start=1):
            assert f"Page {number} of {total}" in text
    assert len(pages["J-B"]) > len(pages["J-A"])


def test_batch_needs_at_least_one_sheet() -> None:
    with pytest.raises(ValueError, match="at least one"):
        render_job_sheet_batch([], branding())
