"""The job sheet: the paper that travels with one unit through the shop."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from mcbackend.documents.codes import QrFlowable, code128
from mcbackend.documents.layout import (
    ALERT_HEX,
    RULE,
    Chrome,
    SectionStart,
    SignOffBox,
    Styles,
    build_pdf,
    content_width,
    data_table,
    format_datetime,
    format_decimal,
    format_minutes,
    format_when,
    heading,
    para,
    styles,
    two_up_table,
)
from mcbackend.documents.views import Branding, JobSheetView, OperationLine

_QR_SIZE = 36 * mm
_CODES_COLUMN = 64 * mm
_SIGN_OFF_WIDTH = 30 * mm


def render_job_sheet(view: JobSheetView, branding: Branding) -> bytes:
    """One job sheet as a PDF."""
    return build_pdf(job_sheet_story(view, branding), branding, title=_title(view))


def job_sheet_story(view: JobSheetView, branding: Branding) -> list[Flowable]:
    """The flowables of one job sheet, starting its own page numbering (for batches too)."""
    style = styles(branding.accent_colour)
    width = content_width(branding)
    story: list[Flowable] = [SectionStart(_chrome(view)), _identity_block(view, style, width)]
    if view.customer_inputs or view.approved_proof or view.measurements:
        story += _customer_inputs(view, branding, style, width)
    if view.configuration:
        story += heading("Configuration", style)
        rows = [["Option", "Choice"]]
        rows += [
            [para(line.attribute, style.cell), para(line.value, style.cell_bold)]
            for line in view.configuration
        ]
        story.append(data_table(rows, [width * 0.34, width * 0.66], branding.accent_colour))
    if view.materials:
        story += heading("Materials", style)
        rows = [["Material", "Quantity", "Note"]]
        rows += [
            [
                para(line.name, style.cell),
                f"{format_decimal(line.quantity)} {line.unit}",
                para(line.note, style.cell),
            ]
            for line in view.materials
        ]
        widths = [width * 0.45, 28 * mm, width * 0.55 - 28 * mm]
        story.append(data_table(rows, widths, branding.accent_colour, right_columns=[1]))
    if view.operations:
        story += heading("Operations", style)
        story.append(_operations_table(view, branding, style, width))
    return story


def _title(view: JobSheetView) -> str:
    return f"Job sheet {view.job_id} (order {view.order_number})"


def _chrome(view: JobSheetView) -> Chrome:
    printed = format_datetime(view.printed_at, view.time_zone)
    return Chrome(
        title="Job sheet",
        reference=f"{view.order_number} · {view.job_id}",
        footer=f"Printed {printed} · Plan version {view.plan_version} · Unit {view.unit_serial}",
    )


def _identity_block(view: JobSheetView, style: Styles, width: float) -> Table:
    """Order and job number big enough to read from across the aisle, codes beside them."""
    facts: list[Flowable] = [
        para("ORDER", style.label),
        para(view.order_number, style.huge),
        Spacer(0, 1.5 * mm),
        para("JOB", style.label),
        para(view.job_id, style.large),
        para(f"Unit serial {view.unit_serial}", style.body),
        Spacer(0, 3 * mm),
        para(view.product, style.title),
    ]
    if view.due_at is not None or view.rush:
        due = ""
        if view.due_at is not None:
            due = escape(f"Due {format_datetime(view.due_at, view.time_zone)}")
        rush = f'  <font color="{ALERT_HEX}"><b>RUSH</b></font>' if view.rush else ""
        facts += [Spacer(0, 1 * mm), Paragraph(due + rush, style.body)]
    codes: list[Flowable] = [
        QrFlowable(view.job_url, _QR_SIZE),
        para("Scan to open this job", style.small_centered),
        Spacer(0, 2 * mm),
        code128(view.job_id, _CODES_COLUMN - 4 * mm),
        Spacer(0, 3 * mm),  # the barcode's text hangs below its bars
    ]
    table = Table([[facts, codes]], colWidths=[width - _CODES_COLUMN, _CODES_COLUMN])
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
            ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]
    )
    return table


def _customer_inputs(
    view: JobSheetView, branding: Branding, style: Styles, width: float
) -> list[Flowable]:
    """Text to copy letter for letter, measurements and the approved proof, set large."""
    story = heading("Customer inputs — copy exactly", style)
    if view.customer_inputs:
        rows = [
            [para(item.label, style.cell), para(item.value, style.large)]
            for item in view.customer_inputs
        ]
        table = Table(rows, colWidths=[width * 0.25, width * 0.75])
        table.setStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, HexColor(branding.accent_colour)),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
        story.append(table)
    if view.approved_proof is not None:
        proof = view.approved_proof
        approved = format_datetime(proof.approved_at, view.time_zone)
        text = (
            f"<b>Approved proof:</b> version {proof.version}, approved {escape(approved)}"
            f" — artwork {escape(proof.reference)}"
        )
        story += [Spacer(0, 2 * mm), Paragraph(text, style.body)]
    if view.measurements:
        story += [Spacer(0, 2 * mm), _measurements_table(view, branding, style, width)]
    return story


def _measurements_table(
    view: JobSheetView, branding: Branding, style: Styles, width: float
) -> Table:
    pairs = [
        (
            para(item.name, style.cell),
            para(f"{format_decimal(item.value)} {item.unit}", style.cell_bold_right),
        )
        for item in view.measurements
    ]
    return two_up_table(("Measurement", "Value"), pairs, 28 * mm, width, branding.accent_colour)


def _operations_table(view: JobSheetView, branding: Branding, style: Styles, width: float) -> Table:
    widths = [9 * mm, 0.0, 34 * mm, 22 * mm, 22 * mm, 15 * mm, _SIGN_OFF_WIDTH + 8]
    widths[1] = width - sum(widths)
    rows: list[list[object]] = [["#", "Operation", "Resource", "Start", "End", "Setup", "Done"]]
    rows += [_operation_row(op, view.time_zone, style) for op in view.operations]
    return data_table(rows, widths, branding.accent_colour, right_columns=[5])


def _operation_row(op: OperationLine, time_zone: str, style: Styles) -> list[object]:
    name = f"<b>{escape(op.name)}</b>"
    if op.notes:
        name += f'<br/><font size="7.5" color="#5F6368">{escape(op.notes)}</font>'
    return [
        str(op.sequence),
        Paragraph(name, style.cell),
        para(op.resource, style.cell),
        format_when(op.planned_start, time_zone),
        format_when(op.planned_end, time_zone, op.planned_start),
        format_minutes(op.setup_minutes) if op.setup_minutes else "—",
        SignOffBox(_SIGN_OFF_WIDTH),
    ]
