"""Views for the document tests and the benchmark: realistic, deterministic, adjustable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from io import BytesIO

from PIL import Image, ImageDraw

from mcbackend.documents.views import (
    Branding,
    ConfigLine,
    CustomerInput,
    DispatchLine,
    DispatchListView,
    JobSheetView,
    MaterialLine,
    Measurement,
    OperationLine,
    PageSize,
    PaymentStage,
    PriceLine,
    ProofDecision,
    ProofReference,
    QuoteView,
    TimelineStage,
    TimelineView,
)
from mcbackend.domain.money import Money

ZONE = "Europe/Berlin"
PRINTED_AT = datetime(2025, 3, 4, 6, 15, tzinfo=UTC)
PLAN_START = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)
JOB_URL = "https://floor.example.com/t/atelier/jobs/J-2025-00042"

_RESOURCES = ("Cutting table 1", "Sewing station Ольга", "Upholstery bench 2", "Frame CNC")
_OPERATIONS = ("Cut fabric panels", "Sew cushion covers", "Upholster frame", "Mill frame parts")


@cache
def logo_png() -> bytes:
    """A small two-colour logo, made here so the tests ship no image file."""
    image = Image.new("RGB", (240, 80), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 79, 79), fill="#1F4E79")
    draw.ellipse((16, 16, 63, 63), fill="white")
    draw.rectangle((96, 30, 230, 50), fill="#1F4E79")
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def branding(page_size: PageSize = "A4", *, logo: bool = True) -> Branding:
    return Branding(
        tenant_name="Atelier Nord — Мастерская",
        accent_colour="#1F4E79",
        page_size=page_size,
        logo=logo_png() if logo else None,
    )


def job_sheet(
    *,
    job_id: str = "J-2025-00042",
    operations: int = 6,
    config_lines: int = 8,
    materials: int = 3,
    monogram: str = "А. К. · Anna Kowalski",  # noqa: RUF001 - Cyrillic on purpose
    rush: bool = True,
) -> JobSheetView:
    ops = []
    start = PLAN_START
    for index in range(operations):
        duration = timedelta(minutes=35 + (index * 17) % 90)
        ops.append(
            OperationLine(
                sequence=(index + 1) * 10,
                name=_OPERATIONS[index % len(_OPERATIONS)],
                resource=_RESOURCES[index % len(_RESOURCES)],
                planned_start=start,
                planned_end=start + duration,
                setup_minutes=(index % 3) * 10,
                notes=(
                    "Match the pattern repeat across seams; check the chaise side "
                    "against the order before cutting."
                    if index % 4 == 1
                    else ""
                ),
            )
        )
        start += duration + timedelta(minutes=20 + (index % 5) * 45)
    config = [
        ConfigLine("Layout", "Corner sofa, 3 + 2 seats"),
        ConfigLine("Chaise", "Left-hand side (seen from the front)"),
        ConfigLine("Fabric", "Bouclé, ivory — collection Nordic Wool, colourway 03"),
        ConfigLine("Legs", "Oak, oiled, 14 cm"),
        ConfigLine("Cushion filling", "Feather and foam, medium firm"),
        ConfigLine("Width", "2,840 mm"),
        ConfigLine("Ткань подушек", "Велюр, тёмно-зелёный"),
        ConfigLine("Piping", "Contrast piping in cognac leather along every cushion edge"),
    ]
    config += [
        ConfigLine(
            f"Extra option {index}",
            f"Value {index}, a description long enough to wrap in its table cell " * 3,
        )
        for index in range(max(0, config_lines - len(config)))
    ]
    return JobSheetView(
        job_id=job_id,
        order_number="SO-10023",
        unit_serial="U-25-000187",
        product="Harbour corner sofa, made to order",
        job_url=JOB_URL,
        configuration=tuple(config[:config_lines]),
        operations=tuple(ops),
        printed_at=PRINTED_AT,
        plan_version=12,
        time_zone=ZONE,
        customer_inputs=(
            CustomerInput("Monogram (cushion)", monogram),
            CustomerInput("Embroidery thread", "Gold 24k, Madeira 6033"),
        ),
        measurements=(
            Measurement("Overall width", Decimal("2840"), "mm"),
            Measurement("Chaise depth", Decimal("1650.0"), "mm"),
            Measurement("Seat height", Decimal("44.5"), "cm"),
        ),
        approved_proof=ProofReference(3, datetime(2025, 3, 2, 9, 12, tzinfo=UTC), "proof-v3.pdf"),
        materials=tuple(
            MaterialLine(f"Bouclé ivory, roll {index + 1}", Decimal("12.50"), "m", "Lot 2025-11-A")
            for index in range(materials)
        ),
        due_at=datetime(2025, 3, 11, 16, 0, tzinfo=UTC),
        rush=rush,
    )


def dispatch_list(lines: int = 12) -> DispatchListView:
    rows = []
    start = PLAN_START
    fabrics = ("Bouclé ivory", "Velvet green", "Linen sand")
    for index in range(lines):
        duration = timedelta(minutes=25 + (index * 13) % 50)
        change = ""
        if index % 3 == 0 and index:
            change = f"Fabric {fabrics[(index // 3 - 1) % 3]} → {fabrics[(index // 3) % 3]}"
        rows.append(
            DispatchLine(
                job_id=f"J-2025-{index + 40:05d}",
                order_number=f"SO-{10020 + index}",
                product_summary="Harbour sofa · 3 seats · " + fabrics[(index // 3) % 3],
                operation="Cut fabric panels",
                planned_start=start,
                planned_end=start + duration,
                setup_minutes=15 if change else 0,
                setup_change=change,
                notes="Monogram «Ж. Б.» on the left cushion" if index % 5 == 2 else "",
                rush=index == 4,
            )
        )
        start += duration + timedelta(minutes=15 if change else 5)
    return DispatchListView(
        resource="Cutting table 1",
        period="Early shift",
        period_start=PLAN_START - timedelta(hours=1),
        period_end=PLAN_START + timedelta(hours=7),
        lines=tuple(rows),
        printed_at=PRINTED_AT,
        plan_version=12,
        time_zone=ZONE,
    )


def timeline() -> TimelineView:
    day = timedelta(days=1)
    t0 = datetime(2025, 2, 20, 9, 0, tzinfo=UTC)
    return TimelineView(
        order_number="SO-10023",
        customer_name="Анна Ковальская",
        ordered_at=t0,
        items=(
            "Harbour corner sofa, bouclé ivory, chaise left, oak legs",
            "Two scatter cushions with monogram «А. К.»",  # noqa: RUF001 - Cyrillic
        ),
        status="In production",
        promised_date=date(2025, 3, 14),
        eta=date(2025, 3, 12),
        stages=(
            TimelineStage("Order confirmed", t0, t0 + day, t0, t0 + timedelta(hours=2)),
            TimelineStage("Design proofs", t0 + day, t0 + 6 * day, t0 + day, t0 + 10 * day),
            TimelineStage("Materials", t0 + 6 * day, t0 + 10 * day, t0 + 10 * day, t0 + 12 * day),
            TimelineStage("Production", t0 + 10 * day, t0 + 16 * day, t0 + 12 * day),
            TimelineStage("Quality check", t0 + 16 * day, t0 + 17 * day),
            TimelineStage("Delivery", t0 + 17 * day, t0 + 20 * day),
        ),
        printed_at=t0 + 13 * day,
        time_zone=ZONE,
        proof_decisions=(
            ProofDecision(
                1, t0 + 3 * day, "changes_requested", "Monogram a little smaller, please."
            ),
            ProofDecision(2, t0 + 6 * day, "changes_requested", "Gold thread instead of silver."),
            ProofDecision(3, t0 + 10 * day, "approved"),
        ),
    )


def quote() -> QuoteView:
    def eur(cents: int) -> Money:
        return Money(cents, "EUR")

    return QuoteView(
        quote_number="Q-2025-0317",
        customer_name="Анна Ковальская",
        product="Harbour corner sofa, made to order",
        configuration=job_sheet().configuration,
        price_lines=(
            PriceLine("Harbour corner sofa, base", eur(289_000)),
            PriceLine("Fabric: bouclé ivory", eur(34_000), "Nordic Wool collection"),
            PriceLine("Oak legs, oiled", eur(8_900)),
            PriceLine("Monogram embroidery", eur(6_500), "Customization fee"),
            PriceLine("Extra proof round", eur(4_500), "Round 4 beyond the three included"),
            PriceLine("Rush production", eur(25_000), "Lead time shortened by 10 days"),
            PriceLine("Delivery and assembly", eur(12_000)),
        ),
        tax_lines=(PriceLine("VAT 19 %", eur(72_181)),),
        payment_plan=(
            PaymentStage("Deposit", eur(135_000), "On order"),
            PaymentStage("On proof approval", eur(135_000), "When you approve the final proof"),
            PaymentStage("Final payment", eur(182_081), "Before delivery"),
        ),
        lead_time_days=21,
        issued_on=date(2025, 2, 18),
        valid_until=date(2025, 3, 4),
        printed_at=datetime(2025, 2, 18, 10, 0, tzinfo=UTC),
        time_zone=ZONE,
        estimated_delivery=date(2025, 3, 14),
    )
