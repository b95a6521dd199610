"""The customer timeline: status, ETA against the promise, stages chart, proof decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mcbackend.documents.timeline import render_timeline
from tests.unit.document_checks import ink_outside, page_texts, render_pages
from tests.unit.document_factories import branding, timeline


def test_timeline_shows_status_eta_stages_and_proofs() -> None:
    texts = page_texts(render_timeline(timeline(), branding()))
    assert len(texts) == 1
    text = texts[0]
    for expected in (
        "SO-10023",
        "Анна Ковальская",
        "In production",
        "12 Mar 2025",
        "2 days before the promised date",
        "Promised: 14 Mar 2025",
        "Design proofs",
        "21 Feb 2025 \u2013 2 Mar 2025",
        "Done (4 days late)",
        "since 4 Mar 2025",
        "In progress",
        "Changes requested",
        "Gold thread instead of silver.",
        "Approved",
        "Status as of 5 Mar 2025 10:00 CET",
    ):
        assert expected in text, expected


def test_gantt_chart_marks_today_the_eta_and_the_promised_date() -> None:
    text = page_texts(render_timeline(timeline(), branding()))[0]
    for label in ("Today", "ETA", "Promised", "Planned", "Actual", "20 Feb"):
        assert label in text, label


def test_a_late_eta_is_called_late() -> None:
    late = replace(timeline(), eta=date(2025, 3, 17))
    assert "3 days later than promised" in page_texts(render_timeline(late, branding()))[0]


def test_unknown_eta_is_promised_to_be_confirmed() -> None:
    text = page_texts(render_timeline(replace(timeline(), eta=None), branding()))[0]
    assert "to be confirmed" in text


def test_timeline_keeps_margins_clear_on_letter() -> None:
    pdf = render_timeline(timeline(), branding("Letter"))
    (image,) = render_pages(pdf, 40)
    assert not any(ink_outside(image, 11, 40).values())


def test_same_timeline_gives_identical_bytes() -> None:
    assert render_timeline(timeline(), branding()) == render_timeline(timeline(), branding())


def test_a_timeline_with_many_stages_still_fits_its_chart_on_a_page() -> None:
    view = timeline()
    stage = view.stages[-1]
    many = tuple(replace(stage, name=f"Stage {number}") for number in range(40))
    texts = page_texts(render_timeline(replace(view, stages=many), branding("Letter")))
    assert "Stage 39" in "\n".join(texts)
