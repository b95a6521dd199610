"""The customer's timeline: where the order stands, when it arrives, how it got here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import Color, white
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from mcbackend.documents.fonts import BOLD, REGULAR
from mcbackend.documents.layout import (
    ALERT,
    ALERT_HEX,
    GOOD,
    INK,
    MUTED,
    RANGE_DASH,
    RULE,
    WARN,
    Chrome,
    SectionStart,
    Styles,
    accent,
    build_pdf,
    content_width,
    data_table,
    format_date,
    format_datetime,
    format_day_month,
    heading,
    local,
    para,
    styles,
)
from mcbackend.documents.views import Branding, TimelineStage, TimelineView

_OUTCOMES = {
    "approved": "Approved",
    "changes_requested": "Changes requested",
    "rejected": "Rejected",
}
_ROW_HEIGHT = 9 * mm
_CHART_ROWS_ROOM = 180 * mm  # stays within any page frame, however many stages
_LABEL_WIDTH = 38 * mm
_MARKER_ROOM = 9 * mm  # two staggered lines of marker labels above the plot
_AXIS_ROOM = 6 * mm  # date labels under the plot
_LEGEND_ROOM = 6 * mm
_TICK_STEPS = (1, 2, 7, 14, 28, 56)


def render_timeline(view: TimelineView, branding: Branding) -> bytes:
    """The order timeline as a PDF for the customer."""
    style = styles(branding.accent_colour)
    width = content_width(branding)
    story: list[Flowable] = [SectionStart(_chrome(view)), _status_block(view, style, width)]
    if view.items:
        story += heading("Your order", style)
        story += [para(f"•  {item}", style.body) for item in view.items]
    if view.stages:
        story += heading("Progress", style, room=_chart_height(view) + 20 * mm)
        story += [GanttChart(view, branding, width), Spacer(0, 3 * mm)]
        story.append(_stages_table(view, branding, style, width))
    if view.proof_decisions:
        story += heading("Design proofs", style)
        story.append(_proofs_table(view, branding, style, width))
    return build_pdf(story, branding, title=f"Order {view.order_number} timeline")


def _chrome(view: TimelineView) -> Chrome:
    return Chrome(
        title="Order timeline",
        reference=f"Order {view.order_number}",
        footer=f"Status as of {format_datetime(view.printed_at, view.time_zone)}",
    )


def _eta_verdict(view: TimelineView) -> tuple[str, Color]:
    if view.eta is None:
        return "We will confirm the delivery date soon.", MUTED
    delta = (view.eta - view.promised_date).days
    if delta < 0:
        return f"{_days(-delta)} before the promised date", GOOD
    if delta == 0:
        return "On the promised date", GOOD
    return f"{_days(delta)} later than promised", ALERT


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _status_block(view: TimelineView, style: Styles, width: float) -> Table:
    ordered = format_date(local(view.ordered_at, view.time_zone).date())
    left = [
        para("ORDER", style.label),
        para(view.order_number, style.huge),
        para(f"for {view.customer_name} · ordered {ordered}", style.body),
    ]
    verdict, colour = _eta_verdict(view)
    eta = format_date(view.eta) if view.eta else "to be confirmed"
    right = [
        para("STATUS", style.label),
        para(view.status, style.title),
        Spacer(0, 2 * mm),
        para("EXPECTED DELIVERY", style.label),
        para(eta, style.title),
        Paragraph(
            f'<font color="#{colour.hexval()[2:]}"><b>{escape(verdict)}</b></font>', style.body
        ),
        para(f"Promised: {format_date(view.promised_date)}", style.small),
    ]
    table = Table([[left, right]], colWidths=[width - 72 * mm, 72 * mm])
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("BOX", (1, 0), (1, 0), 1, colour),
            ("LEFTPADDING", (1, 0), (1, 0), 8),
            ("TOPPADDING", (1, 0), (1, 0), 6),
            ("BOTTOMPADDING", (1, 0), (1, 0), 7),
        ]
    )
    return table


def _chart_height(view: TimelineView) -> float:
    return len(view.stages) * _row_height(view) + _MARKER_ROOM + _AXIS_ROOM + _LEGEND_ROOM


def _row_height(view: TimelineView) -> float:
    return min(_ROW_HEIGHT, _CHART_ROWS_ROOM / max(len(view.stages), 1))


class GanttChart(Drawing):
    """Planned (light) and actual (solid) bars per stage over a day axis, with today,
    the promised date and the ETA as vertical markers."""

    def __init__(self, view: TimelineView, branding: Branding, width: float) -> None:
        super().__init__(width, _chart_height(view))
        self._view = view
        self._accent = accent(branding)
        self._row_height = _row_height(view)
        self._start, self._end = self._span()
        self._plot_width = width - _LABEL_WIDTH - 4 * mm
        self._draw_axis()
        for row, stage in enumerate(view.stages):
            self._draw_stage(row, stage)
        self._draw_markers()
        self._draw_legend()

    def _span(self) -> tuple[datetime, datetime]:
        view = self._view
        moments = [view.ordered_at, view.printed_at]
        for stage in view.stages:
            moments += [stage.planned_start, stage.planned_end]
            moments += [m for m in (stage.actual_start, stage.actual_end) if m is not None]
        days = [self._midnight(view.promised_date + timedelta(days=1))]
        if view.eta is not None:
            days.append(self._midnight(view.eta + timedelta(days=1)))
        start = self._midnight(min(local(m, view.time_zone) for m in moments).date())
        # half a day of air after the last marker keeps it off the plot's edge
        end = max([*moments, *days]) + timedelta(hours=12)
        return start, end

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self._view.time_zone))

    def _x(self, moment: datetime) -> float:
        share = (moment - self._start) / (self._end - self._start)
        return _LABEL_WIDTH + share * self._plot_width

    def _row_y(self, row: int) -> float:
        """Bottom of a stage's row; row 0 is at the top."""
        return self.height - _MARKER_ROOM - (row + 1) * self._row_height

    def _draw_axis(self) -> None:
        total_days = (self._end - self._start).days + 1
        step = next((s for s in _TICK_STEPS if total_days / s <= 9), _TICK_STEPS[-1])
        top = self.height - _MARKER_ROOM
        bottom = self._row_y(len(self._view.stages) - 1)
        day = self._start.date()
        while self._midnight(day) <= self._end:
            x = self._x(self._midnight(day))
            self.add(Line(x, bottom, x, top, strokeColor=RULE, strokeWidth=0.4))
            label = format_day_month(day)
            self.add(
                String(x + 1, bottom - 9, label, fontName=REGULAR, fontSize=7, fillColor=MUTED)
            )
            day += timedelta(days=step)
        self.add(
            Line(
                _LABEL_WIDTH,
                bottom,
                _LABEL_WIDTH + self._plot_width,
                bottom,
                strokeColor=MUTED,
                strokeWidth=0.6,
            )
        )

    def _draw_stage(self, row: int, stage: TimelineStage) -> None:
        y = self._row_y(row)
        name = stage.name
        while stringWidth(name, REGULAR, 8) > _LABEL_WIDTH - 3 * mm and len(name) > 1:
            name = name[:-2] + "…"
        self.add(
            String(
                0, y + self._row_height / 2 - 3, name, fontName=REGULAR, fontSize=8, fillColor=INK
            )
        )
        tint = Color(self._accent.red, self._accent.green, self._accent.blue, alpha=0.22)
        planned_x = self._x(stage.planned_start)
        planned_w = max(self._x(stage.planned_end) - planned_x, 1.5)
        self.add(
            Rect(
                planned_x,
                y + self._row_height * 0.52,
                planned_w,
                self._row_height * 0.3,
                fillColor=tint,
                strokeColor=self._accent,
                strokeWidth=0.4,
            )
        )
        if stage.actual_start is not None:
            running = stage.actual_end is None
            end = stage.actual_end or self._view.printed_at
            actual_x = self._x(stage.actual_start)
            actual_w = max(self._x(end) - actual_x, 1.5)
            late = end > stage.planned_end
            colour = WARN if late else self._accent
            self.add(
                Rect(
                    actual_x,
                    y + self._row_height * 0.16,
                    actual_w,
                    self._row_height * 0.32,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
            if running:
                # an open end: the stage is still going on
                self.add(
                    Rect(
                        actual_x + actual_w - 2,
                        y + self._row_height * 0.16,
                        2,
                        self._row_height * 0.32,
                        fillColor=white,
                        strokeColor=None,
                    )
                )

    def _draw_markers(self) -> None:
        view = self._view
        top = self.height - _MARKER_ROOM
        bottom = self._row_y(len(view.stages) - 1)
        markers = [(view.printed_at, "Today", INK)]
        if view.eta is not None:
            markers.append((self._midnight(view.eta + timedelta(days=1)), "ETA", GOOD))
        markers.append((self._midnight(view.promised_date + timedelta(days=1)), "Promised", ALERT))
        taken: list[list[tuple[float, float]]] = [[], []]  # label extents per line
        for moment, label, colour in markers:
            x = self._x(moment)
            self.add(
                Line(x, bottom, x, top, strokeColor=colour, strokeWidth=1, strokeDashArray=[2, 2])
            )
            label_width = stringWidth(label, BOLD, 7)
            left = min(x - label_width / 2, self.width - label_width)
            extent = (left - 2, left + label_width + 2)
            # a label that would overlap one on the lower line goes on the upper line
            level = 0 if all(extent[1] < a or extent[0] > b for a, b in taken[0]) else 1
            taken[level].append(extent)
            self.add(
                String(
                    left,
                    top + 1.5 + level * 4 * mm,
                    label,
                    fontName=BOLD,
                    fontSize=7,
                    fillColor=colour,
                )
            )

    def _draw_legend(self) -> None:
        y = 0.5 * mm
        x = _LABEL_WIDTH
        tint = Color(self._accent.red, self._accent.green, self._accent.blue, alpha=0.22)
        for label, fill, stroke in (
            ("Planned", tint, self._accent),
            ("Actual", self._accent, None),
            ("Later than planned", WARN, None),
        ):
            self.add(
                Rect(
                    x, y + 1, 8 * mm, 2.5 * mm, fillColor=fill, strokeColor=stroke, strokeWidth=0.4
                )
            )
            self.add(
                String(x + 10 * mm, y + 2, label, fontName=REGULAR, fontSize=7, fillColor=MUTED)
            )
            x += 10 * mm + stringWidth(label, REGULAR, 7) + 8 * mm


def _range(start: datetime | None, end: datetime | None, time_zone: str) -> str:
    if start is None:
        return "—"
    first = format_date(local(start, time_zone).date())
    if end is None:
        return f"since {first}"
    last = format_date(local(end, time_zone).date())
    return first if first == last else f"{first} {RANGE_DASH} {last}"


def _state(stage: TimelineStage, view: TimelineView) -> tuple[str, str]:
    """The stage's state in words and, when it slipped, by how many days."""
    if stage.actual_end is not None:
        slip = (
            local(stage.actual_end, view.time_zone).date()
            - local(stage.planned_end, view.time_zone).date()
        ).days
        return "Done", (f"{_days(slip)} late" if slip > 0 else "")
    if stage.actual_start is not None:
        overdue = view.printed_at > stage.planned_end
        return "In progress", ("behind plan" if overdue else "")
    return "Planned", ""


def _stages_table(view: TimelineView, branding: Branding, style: Styles, width: float) -> Table:
    rows: list[list[object]] = [["Stage", "Planned", "Actual", "State"]]
    for stage in view.stages:
        state, slip = _state(stage, view)
        text = f"<b>{state}</b>"
        if slip:
            text += f' <font color="{ALERT_HEX}">({slip})</font>'
        rows.append(
            [
                para(stage.name, style.cell),
                _range(stage.planned_start, stage.planned_end, view.time_zone),
                _range(stage.actual_start, stage.actual_end, view.time_zone),
                Paragraph(text, style.cell),
            ]
        )
    widths = [width * 0.28, width * 0.24, width * 0.24, width * 0.24]
    return data_table(rows, widths, branding.accent_colour)


def _proofs_table(view: TimelineView, branding: Branding, style: Styles, width: float) -> Table:
    rows: list[list[object]] = [["Proof", "Decided", "Decision", "Your comment"]]
    rows += [
        [
            f"Version {decision.version}",
            format_date(local(decision.decided_at, view.time_zone).date()),
            _OUTCOMES[decision.outcome],
            para(decision.comment or "—", style.cell),
        ]
        for decision in view.proof_decisions
    ]
    widths = [22 * mm, 28 * mm, 34 * mm, width - 84 * mm]
    return data_table(rows, widths, branding.accent_colour)
