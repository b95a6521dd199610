"""Many job sheets in one PDF, ready to print a whole plan or shift in one go."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import Flowable, PageBreak

from mcbackend.documents.job_sheet import job_sheet_story
from mcbackend.documents.layout import build_pdf
from mcbackend.documents.views import Branding, JobSheetView


def render_job_sheet_batch(views: Iterable[JobSheetView], branding: Branding) -> bytes:
    """Every job sheet in the given order, each from a new page with its own page count."""
    story: list[Flowable] = []
    count = 0
    for view in views:
        if count:
            story.append(PageBreak())
        story += job_sheet_story(view, branding)
        count += 1
    if not count:
        raise ValueError("a batch needs at least one job sheet")
    return build_pdf(story, branding, title=f"Job sheets ({count})")
