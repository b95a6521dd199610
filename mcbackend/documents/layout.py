"""What every document shares: page geometry, the header/footer chrome, styles, formatting.

Each renderer builds a story of flowables and hands it to `build_pdf`. Header and footer
are drawn after the story has been laid out, so "page X of Y" is known without a second
layout pass; a `SectionStart` restarts page numbering, which lets a batch hold many job
sheets that each count their own pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, partial
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
)

from mcbackend.documents.fonts import BOLD, REGULAR, register_fonts
from mcbackend.documents.views import Branding
from mcbackend.domain.money import Money, minor_digits

PAGE_SIZES = {"A4": A4, "Letter": LETTER}

# 12 mm clears the unprintable border of office and shop-floor printers; nothing is drawn
# outside it, header and footer included.
MARGIN = 12 * mm
HEADER_HEIGHT = 17 * mm
FOOTER_HEIGHT = 9 * mm

INK = HexColor("#1A1A1A")
MUTED = HexColor("#5F6368")
RULE = HexColor("#C8CCD0")
ZEBRA = HexColor("#F3F5F7")
ALERT_HEX = "#B3261E"  # also used inside Paragraph markup
ALERT = HexColor(ALERT_HEX)
GOOD = HexColor("#1E7B34")
WARN = HexColor("#B26A00")

RANGE_DASH = "\u2013"  # en dash, for ranges such as 07:00 to 15:00

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def page_size(branding: Branding) -> tuple[float, float]:
    return PAGE_SIZES[branding.page_size]


def content_width(branding: Branding) -> float:
    return page_size(branding)[0] - 2 * MARGIN


# --- formatting: fixed English names, independent of the process locale -----------------


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime, time_zone: str) -> datetime:
    return moment.astimezone(_zone(time_zone))


def format_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_day_month(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def format_day(moment: datetime, time_zone: str) -> str:
    """Weekday and date, e.g. "Tue 4 Mar", for schedules read within a week or two."""
    at = local(moment, time_zone)
    return f"{_WEEKDAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]}"


def format_time(moment: datetime, time_zone: str) -> str:
    return local(moment, time_zone).strftime("%H:%M")


def format_datetime(moment: datetime, time_zone: str) -> str:
    at = local(moment, time_zone)
    return f"{format_date(at.date())} {at:%H:%M} {at.tzname()}"


def format_when(moment: datetime, time_zone: str, same_day_as: datetime | None = None) -> str:
    """Day and time on two lines; on the day of `same_day_as` the time alone is enough."""
    time = format_time(moment, time_zone)
    if same_day_as is not None and (
        local(moment, time_zone).date() == local(same_day_as, time_zone).date()
    ):
        return time
    return f"{format_day(moment, time_zone)}\n{time}"


def format_money(money: Money) -> str:
    digits = minor_digits(money.currency)
    sign = "-" if money.amount < 0 else ""
    whole, frac = divmod(abs(money.amount), 10**digits)
    number = f"{whole:,}" + (f".{frac:0{digits}d}" if digits else "")
    return f"{sign}{money.currency} {number}"


def format_decimal(value: Decimal) -> str:
    # normalize() drops trailing zeros; "f" keeps 100 from turning into 1E+2
    return format(value.normalize(), "f")


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


# --- styles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    fine: ParagraphStyle
    small_centered: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_bold_right: ParagraphStyle
    label: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    huge: ParagraphStyle
    large: ParagraphStyle


@cache
def styles(accent_colour: str) -> Styles:
    """Paragraph styles for one accent colour, built once and shared by every document."""
    register_fonts()
    accent = HexColor(accent_colour)
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, textColor=INK)
    cell = ParagraphStyle("cell", body, fontSize=8.5, leading=10.5)
    return Styles(
        body=body,
        small=ParagraphStyle("small", body, fontSize=7.5, leading=9.5, textColor=MUTED),
        fine=ParagraphStyle("fine", body, fontSize=7.5, leading=9.5),
        small_centered=ParagraphStyle(
            "small_centered", body, fontSize=7.5, leading=9.5, textColor=MUTED, alignment=TA_CENTER
        ),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", cell, fontName=BOLD),
        cell_bold_right=ParagraphStyle("cell_bold_right", cell, fontName=BOLD, alignment=TA_RIGHT),
        label=ParagraphStyle("label", body, fontSize=7, leading=8.5, textColor=MUTED),
        heading=ParagraphStyle(
            "heading",
            body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            textColor=accent,
            spaceBefore=9,
            spaceAfter=4,
        ),
        title=ParagraphStyle("title", body, fontName=BOLD, fontSize=15, leading=19),
        huge=ParagraphStyle("huge", body, fontName=BOLD, fontSize=30, leading=34),
        large=ParagraphStyle("large", body, fontName=BOLD, fontSize=18, leading=22),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: user input is escaped, never read as markup."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def heading(text: str, style: Styles, room: float = 40 * mm) -> list[Flowable]:
    """A section heading that never ends a page alone: it moves on with the table's start.

    Keeping the heading with the whole table (keepWithNext) would push a long table to the
    next page and leave half a page blank; `room` is enough for the heading and a few rows.
    """
    return [CondPageBreak(room), para(text, style.heading)]


def data_table(
    rows: list[list[Any]],
    col_widths: list[float],
    accent_colour: str,
    *,
    right_columns: Iterable[int] = (),
    extra: Iterable[tuple[Any, ...]] = (),
) -> Table:
    """A table whose first row is a header repeated on every page it flows onto."""
    table = Table(rows, colWidths=col_widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), BOLD, 7.5, 9.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), white),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(accent_colour)),
        ("FONT", (0, 1), (-1, -1), REGULAR, 8.5, 10.5),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, ZEBRA]),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    commands += [("ALIGN", (col, 0), (col, -1), "RIGHT") for col in right_columns]
    commands += list(extra)
    table.setStyle(commands)
    return table


def two_up_table(
    headers: tuple[str, str],
    pairs: list[tuple[Any, Any]],
    value_width: float,
    width: float,
    accent_colour: str,
) -> Table:
    """Label/value pairs two to a row, which halves the height of long short-valued lists."""
    if len(pairs) % 2:
        pairs = [*pairs, ("", "")]
    rows: list[list[Any]] = [[*headers, *headers]]
    rows += [[*pairs[i], *pairs[i + 1]] for i in range(0, len(pairs), 2)]
    label_width = width / 2 - value_width
    return data_table(
        rows,
        [label_width, value_width, label_width, value_width],
        accent_colour,
        extra=[("LINEAFTER", (1, 0), (1, -1), 0.4, RULE)],
    )


class SignOffBox(Flowable):
    """An empty box for initials and time; its fixed height gives every row writing room."""

    def __init__(self, width: float, height: float = 10 * mm) -> None:
        super().__init__()
        self.box_width = width
        self.box_height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.box_width, self.box_height

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.6)
        canvas.setFillColor(white)
        canvas.rect(0, 0, self.box_width, self.box_height, stroke=1, fill=1)
        canvas.line(self.box_width * 0.4, 0, self.box_width * 0.4, self.box_height)
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 5.5)
        canvas.drawString(1.2 * mm, self.box_height - 2.4 * mm, "initials")
        canvas.drawString(self.box_width * 0.4 + 1.2 * mm, self.box_height - 2.4 * mm, "time")


# --- page chrome -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chrome:
    """What the header and footer of a page say."""

    title: str  # document kind, e.g. "Job sheet"
    reference: str  # the number people look for, e.g. "Job J-1042"
    footer: str  # printed-at, plan version…


class SectionStart(Flowable):
    """Invisible marker: pages from here on carry `chrome` and count from 1 again."""

    def __init__(self, chrome: Chrome) -> None:
        super().__init__()
        self.chrome = chrome

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.begin_section(self.chrome)


@cache
def _logo(data: bytes) -> ImageReader:
    # Decoding a logo once per process instead of once per page matters for batches.
    return ImageReader(BytesIO(data))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Cut `text` with an ellipsis so it fits `width`; the header has fixed room."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class _ChromeCanvas(Canvas):
    """Keeps finished pages until save(), when the page totals of each section are known."""

    def __init__(self, *args: Any, branding: Branding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._branding = branding
        self._pages: list[dict[str, Any]] = []
        self._chrome = Chrome("", "", "")
        self._section = 0
        self._section_first_page = 1

    def begin_section(self, chrome: Chrome) -> None:
        self._chrome = chrome
        self._section += 1
        self._section_first_page = self.getPageNumber()

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        totals: dict[int, int] = {}
        for state in self._pages:
            totals[state["_section"]] = state["_pageNumber"] - state["_section_first_page"] + 1
        for state in self._pages:
            self.__dict__.update(state)
            page = self._pageNumber - self._section_first_page + 1
            self._draw_chrome(page, totals[self._section])
            super().showPage()
        super().save()

    def _draw_chrome(self, page: int, total: int) -> None:
        branding = self._branding
        chrome = self._chrome
        width, height = self._pagesize
        accent = HexColor(branding.accent_colour)
        top = height - MARGIN
        right = width - MARGIN
        self.saveState()

        name_x = MARGIN
        if branding.logo is not None:
            logo = _logo(branding.logo)
            logo_w, logo_h = logo.getSize()
            draw_h = 11 * mm
            draw_w = min(draw_h * logo_w / logo_h, 40 * mm)
            draw_h = draw_w * logo_h / logo_w
            self.drawImage(logo, MARGIN, top - draw_h, draw_w, draw_h, mask="auto")
            name_x += draw_w + 3 * mm
        reference_size = 12.5
        reference_w = stringWidth(chrome.reference, BOLD, reference_size)
        name_room = max(right - reference_w - 6 * mm - name_x, 20 * mm)
        self.setFillColor(INK)
        self.setFont(BOLD, 11)
        self.drawString(name_x, top - 7 * mm, _fit(branding.tenant_name, BOLD, 11, name_room))
        self.setFillColor(accent)
        self.setFont(BOLD, 7.5)
        self.drawRightString(right, top - 3 * mm, chrome.title.upper())
        self.setFillColor(INK)
        self.setFont(BOLD, reference_size)
        reference_room = right - MARGIN - 60 * mm
        self.drawRightString(
            right, top - 9 * mm, _fit(chrome.reference, BOLD, reference_size, reference_room)
        )
        self.setStrokeColor(accent)
        self.setLineWidth(1.5)
        rule_y = top - HEADER_HEIGHT + 3 * mm
        self.line(MARGIN, rule_y, right, rule_y)

        footer_y = MARGIN + FOOTER_HEIGHT - 3 * mm
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, footer_y, right, footer_y)
        numbering = f"Page {page} of {total}"
        self.setFont(BOLD, 9)
        self.drawRightString(right, MARGIN + 1 * mm, numbering)
        footer_room = right - MARGIN - stringWidth(numbering, BOLD, 9) - 6 * mm
        self.setFillColor(MUTED)
        self.setFont(REGULAR, 7.5)
        self.drawString(MARGIN, MARGIN + 1 * mm, _fit(chrome.footer, REGULAR, 7.5, footer_room))
        self.restoreState()


def build_pdf(story: list[Flowable], branding: Branding, *, title: str) -> bytes:
    """Lay out `story` on the tenant's paper and return the PDF.

    Invariant mode keeps the output byte-for-byte reproducible (no creation date, fixed
    document id), so the same view always yields the same file.
    """
    register_fonts()
    width, height = page_size(branding)
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(width, height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=title,
        author=branding.tenant_name,
        creator="mcbackend",
        invariant=1,
        pageCompression=1,
    )
    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        width - 2 * MARGIN,
        height - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=partial(_ChromeCanvas, branding=branding))
    return buffer.getvalue()


def accent(branding: Branding) -> Color:
    return HexColor(branding.accent_colour)


_PAGE_OBJECT = re.compile(rb"/Type /Page\b(?!s)")


def page_count(pdf: bytes) -> int:
    """The pages of a PDF made by :func:`build_pdf` (ReportLab leaves every page object
    uncompressed, so counting them needs no PDF reader)."""
    return len(_PAGE_OBJECT.findall(pdf))
