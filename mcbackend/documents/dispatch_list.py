"""The dispatch list: what one resource runs in a shift or day, in planned order."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from mcbackend.documents.layout import (
    ALERT_HEX,
    RANGE_DASH,
    Chrome,
    SectionStart,
    SignOffBox,
    Styles,
    build_pdf,
    content_width,
    data_table,
    format_date,
    format_datetime,
    format_minutes,
    format_time,
    format_when,
    local,
    para,
    styles,
)
from mcbackend.documents.views import Branding, DispatchLine, DispatchListView

_SETUP_BACKGROUND = HexColor("#FFF1D6")
_DONE_WIDTH = 22 * mm


def render_dispatch_list(view: DispatchListView, branding: Branding) -> bytes:
    """The dispatch list of one resource as a PDF."""
    style = styles(branding.accent_colour)
    lines = sorted(view.lines, key=lambda line: line.planned_start)
    story: list[Flowable] = [
        SectionStart(_chrome(view)),
        para(view.resource, style.huge),
        Spacer(0, 1 * mm),
        para(_period(view), style.title),
        Spacer(0, 1 * mm),
        para(_summary(lines, view.time_zone), style.body),
        Spacer(0, 4 * mm),
    ]
    if lines:
        story.append(_table(lines, view, branding, style))
    else:
        story.append(para("Nothing is planned on this resource in this period.", style.body))
    return build_pdf(story, branding, title=f"Dispatch list {view.resource}, {view.period}")


def _chrome(view: DispatchListView) -> Chrome:
    printed = format_datetime(view.printed_at, view.time_zone)
    return Chrome(
        title="Dispatch list",
        reference=f"{view.resource} · {view.period}",
        footer=f"Printed {printed} · Plan version {view.plan_version}",
    )


def _period(view: DispatchListView) -> str:
    start = local(view.period_start, view.time_zone)
    end = local(view.period_end, view.time_zone)
    span = f"{format_time(view.period_start, view.time_zone)}{RANGE_DASH}"
    if end.date() != start.date():
        span += f"{format_date(end.date())} "
    span += f"{format_time(view.period_end, view.time_zone)} {end.tzname()}"
    return f"{view.period} · {format_date(start.date())}, {span}"


def _summary(lines: list[DispatchLine], time_zone: str) -> str:
    if not lines:
        return "No operations."
    changes = sum(1 for line in lines if line.setup_change)
    setup = sum(line.setup_minutes for line in lines)
    first = format_time(lines[0].planned_start, time_zone)
    last = format_time(max(line.planned_end for line in lines), time_zone)
    noun = "operation" if len(lines) == 1 else "operations"
    return (
        f"{len(lines)} {noun} · {changes} setup changes ({format_minutes(setup)} setup) · "
        f"first start {first}, last finish {last}"
    )


def _table(
    lines: list[DispatchLine], view: DispatchListView, branding: Branding, style: Styles
) -> Flowable:
    width = content_width(branding)
    widths = [8 * mm, 20 * mm, 33 * mm, 0.0, 16 * mm, _DONE_WIDTH + 8]
    widths[3] = width - sum(widths)
    rows: list[list[object]] = [["#", "Time", "Job", "Operation and product", "Setup", "Done"]]
    extra: list[tuple[object, ...]] = []
    for number, line in enumerate(lines, start=1):
        if line.setup_change:
            # A full-width band before the operation: changeovers are what operators
            # must prepare, so they stand out instead of hiding in a column.
            row = len(rows)
            text = (
                f"<b>SETUP CHANGE</b> · {format_minutes(line.setup_minutes)} · "
                f"{escape(line.setup_change)}"
            )
            rows.append(["", Paragraph(text, style.cell), "", "", "", ""])
            extra += [
                ("SPAN", (1, row), (-1, row)),
                ("BACKGROUND", (0, row), (-1, row), _SETUP_BACKGROUND),
            ]
        rows.append(_row(number, line, view.period_start, view.time_zone, style))
    return data_table(rows, widths, branding.accent_colour, right_columns=[4], extra=extra)


def _row(
    number: int, line: DispatchLine, period_start: datetime, time_zone: str, style: Styles
) -> list[object]:
    job = f"<b>{escape(line.job_id)}</b><br/>{escape(line.order_number)}"
    if line.rush:
        job += f'<br/><font color="{ALERT_HEX}"><b>RUSH</b></font>'
    work = f"<b>{escape(line.operation)}</b><br/>{escape(line.product_summary)}"
    if line.notes:
        work += f'<br/><font size="7.5" color="#5F6368">{escape(line.notes)}</font>'
    start = format_when(line.planned_start, time_zone, period_start)
    end = format_when(line.planned_end, time_zone, line.planned_start)
    return [
        str(number),
        f"{start}\n{RANGE_DASH} {end}",
        Paragraph(job, style.cell),
        Paragraph(work, style.cell),
        format_minutes(line.setup_minutes) if line.setup_minutes else "—",
        SignOffBox(_DONE_WIDTH, 8 * mm),
    ]
