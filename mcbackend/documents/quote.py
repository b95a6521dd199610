"""The quote: what the customer pays, when, how long it takes and on which terms."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, ListFlowable, ListItem, Spacer, Table

from mcbackend.documents.fonts import BOLD
from mcbackend.documents.layout import (
    INK,
    RULE,
    Chrome,
    SectionStart,
    Styles,
    accent,
    build_pdf,
    content_width,
    data_table,
    format_date,
    format_datetime,
    format_money,
    heading,
    para,
    styles,
    two_up_table,
)
from mcbackend.documents.views import Branding, QuoteView

_AMOUNT_WIDTH = 34 * mm


def render_quote(view: QuoteView, branding: Branding) -> bytes:
    """A quote as a PDF, ready to send to the customer."""
    style = styles(branding.accent_colour)
    width = content_width(branding)
    story: list[Flowable] = [SectionStart(_chrome(view)), _heading_block(view, style, width)]
    story += heading(view.product, style)
    if view.configuration:
        pairs = [
            (para(line.attribute, style.cell), para(line.value, style.cell_bold))
            for line in view.configuration
        ]
        story.append(
            two_up_table(
                ("Option", "Your choice"), pairs, width * 0.3, width, branding.accent_colour
            )
        )
    story += heading("Price", style)
    story.append(_price_table(view, branding, style, width))
    if view.payment_plan:
        story += heading("Payment plan", style)
        story.append(_payment_table(view, branding, style, width))
    if view.terms:
        story += heading("Terms", style, room=25 * mm)
        items = [ListItem(para(term, style.fine), leftIndent=12) for term in view.terms]
        story.append(ListFlowable(items, bulletType="1", bulletFontName=BOLD, bulletFontSize=7))
    return build_pdf(story, branding, title=f"Quote {view.quote_number}")


def _chrome(view: QuoteView) -> Chrome:
    printed = format_datetime(view.printed_at, view.time_zone)
    return Chrome(
        title="Quote",
        reference=view.quote_number,
        footer=f"Valid until {format_date(view.valid_until)} · Printed {printed}",
    )


def _heading_block(view: QuoteView, style: Styles, width: float) -> Table:
    left = [
        para("QUOTE", style.label),
        para(view.quote_number, style.large),
        Spacer(0, 2 * mm),
        para("PREPARED FOR", style.label),
        para(view.customer_name, style.title),
        Spacer(0, 2 * mm),
        para("LEAD TIME", style.label),
        para(_lead_time(view), style.body),
    ]
    right = [
        para("ISSUED", style.label),
        para(format_date(view.issued_on), style.body),
        Spacer(0, 2 * mm),
        para("VALID UNTIL", style.label),
        para(format_date(view.valid_until), style.title),
        Spacer(0, 2 * mm),
        para("TOTAL", style.label),
        para(format_money(view.total), style.title),
    ]
    table = Table([[left, right]], colWidths=[width - 60 * mm, 60 * mm])
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]
    )
    return table


def _price_table(view: QuoteView, branding: Branding, style: Styles, width: float) -> Table:
    rows: list[list[object]] = [["Item", "Details", "Amount"]]
    rows += [
        [para(line.label, style.cell), para(line.detail, style.cell), format_money(line.amount)]
        for line in view.price_lines
    ]
    first_total = len(rows)
    if view.tax_lines:
        rows.append(["Subtotal", "", format_money(view.subtotal)])
        rows += [
            [para(line.label, style.cell), para(line.detail, style.cell), format_money(line.amount)]
            for line in view.tax_lines
        ]
    rows.append(["Total", "", format_money(view.total)])
    widths = [width * 0.42, width * 0.58 - _AMOUNT_WIDTH, _AMOUNT_WIDTH]
    return data_table(
        rows,
        widths,
        branding.accent_colour,
        right_columns=[2],
        extra=[
            ("LINEABOVE", (0, first_total), (-1, first_total), 0.8, INK),
            ("FONT", (0, first_total), (-1, first_total), BOLD, 8.5, 10.5),
            ("FONT", (0, -1), (-1, -1), BOLD, 11, 14),
            ("LINEABOVE", (0, -1), (-1, -1), 1.2, accent(branding)),
            ("TOPPADDING", (0, -1), (-1, -1), 5),
        ],
    )


def _payment_table(view: QuoteView, branding: Branding, style: Styles, width: float) -> Table:
    total = view.total.amount
    rows: list[list[object]] = [["Payment", "Due", "Share", "Amount"]]
    rows += [
        [
            para(stage.label, style.cell_bold),
            para(stage.due, style.cell),
            f"{round(100 * stage.amount.amount / total)} %" if total else "",
            format_money(stage.amount),
        ]
        for stage in view.payment_plan
    ]
    widths = [width * 0.3, width * 0.7 - _AMOUNT_WIDTH - 18 * mm, 18 * mm, _AMOUNT_WIDTH]
    return data_table(rows, widths, branding.accent_colour, right_columns=[2, 3])


def _lead_time(view: QuoteView) -> str:
    text = f"{view.lead_time_days} days from the start of production"
    if view.estimated_delivery is not None:
        text += f"; estimated delivery {format_date(view.estimated_delivery)}"
    return text
