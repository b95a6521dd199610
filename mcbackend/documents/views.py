"""Read-only inputs of the PDF documents.

A service assembles one of these from the database; the renderer turns it into bytes and
knows nothing else. Everything is already human-readable (labels, not codes). Times are
timezone-aware and shown in the plant's time zone (`time_zone`, an IANA name); money is
`Money` in minor units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from mcbackend.domain.money import Money

PageSize = Literal["A4", "Letter"]
ProofOutcome = Literal["approved", "changes_requested", "rejected"]

_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")

DEFAULT_QUOTE_TERMS: tuple[str, ...] = (
    "Every item is made to your specification after you confirm the order. Personalized "
    "goods are non-returnable, except where they are faulty or differ from the confirmed "
    "specification.",
    "Production starts once the deposit is received and, for designs made with you, once "
    "you have approved the final proof. Further revision rounds beyond those included are "
    "charged as shown.",
    "The lead time runs from the start of production. Delivery dates are estimates until the "
    "order confirmation.",
    "Prices are valid until the date shown on this quote.",
)


def _require_aware(owner: object, **values: datetime | None) -> None:
    for name, value in values.items():
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{type(owner).__name__}.{name} must be timezone-aware")


def _require_zone(time_zone: str) -> None:
    ZoneInfo(time_zone)  # raises ZoneInfoNotFoundError for a name that is not a zone


@dataclass(frozen=True)
class Branding:
    """The tenant's look: name, optional logo (PNG or JPEG bytes), accent colour, paper."""

    tenant_name: str
    accent_colour: str = "#1F4E79"
    page_size: PageSize = "A4"
    logo: bytes | None = None

    def __post_init__(self) -> None:
        if not _HEX_COLOUR.fullmatch(self.accent_colour):
            raise ValueError(f"accent colour must look like #1F4E79: {self.accent_colour!r}")
        if self.page_size not in ("A4", "Letter"):
            raise ValueError(f"page size must be A4 or Letter: {self.page_size!r}")


@dataclass(frozen=True)
class ConfigLine:
    """One chosen option as the customer saw it, e.g. "Fabric" → "Bouclé, ivory"."""

    attribute: str
    value: str


@dataclass(frozen=True)
class CustomerInput:
    """Free text production must copy exactly (monogram, engraving, embroidery)."""

    label: str
    value: str


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class ProofReference:
    """The approved co-design round production works from."""

    version: int
    approved_at: datetime
    reference: str  # file name or document id of the approved artwork

    def __post_init__(self) -> None:
        _require_aware(self, approved_at=self.approved_at)


@dataclass(frozen=True)
class OperationLine:
    sequence: int
    name: str
    resource: str
    planned_start: datetime
    planned_end: datetime
    setup_minutes: int = 0
    notes: str = ""

    def __post_init__(self) -> None:
        _require_aware(self, planned_start=self.planned_start, planned_end=self.planned_end)
        if self.planned_end < self.planned_start:
            raise ValueError(f"operation {self.sequence} ends before it starts")


@dataclass(frozen=True)
class MaterialLine:
    name: str
    quantity: Decimal
    unit: str
    note: str = ""


@dataclass(frozen=True)
class JobSheetView:
    """Everything the shop floor needs to make one unit."""

    job_id: str
    order_number: str
    unit_serial: str
    product: str
    job_url: str  # opens the job on the shop-floor surface; printed as a QR code
    configuration: tuple[ConfigLine, ...]
    operations: tuple[OperationLine, ...]
    printed_at: datetime
    plan_version: int
    time_zone: str
    customer_inputs: tuple[CustomerInput, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    approved_proof: ProofReference | None = None
    materials: tuple[MaterialLine, ...] = ()
    due_at: datetime | None = None
    rush: bool = False

    def __post_init__(self) -> None:
        _require_aware(self, printed_at=self.printed_at, due_at=self.due_at)
        _require_zone(self.time_zone)


@dataclass(frozen=True)
class DispatchLine:
    """One operation on the resource; `setup_change` says what changes over before it."""

    job_id: str
    order_number: str
    product_summary: str
    operation: str
    planned_start: datetime
    planned_end: datetime
    setup_minutes: int = 0
    setup_change: str = ""
    notes: str = ""
    rush: bool = False

    def __post_init__(self) -> None:
        _require_aware(self, planned_start=self.planned_start, planned_end=self.planned_end)


@dataclass(frozen=True)
class DispatchListView:
    """The work of one resource for one shift or day."""

    resource: str
    period: str  # e.g. "Early shift" or "Day"
    period_start: datetime
    period_end: datetime
    lines: tuple[DispatchLine, ...]
    printed_at: datetime
    plan_version: int
    time_zone: str

    def __post_init__(self) -> None:
        _require_aware(
            self,
            period_start=self.period_start,
            period_end=self.period_end,
            printed_at=self.printed_at,
        )
        _require_zone(self.time_zone)


@dataclass(frozen=True)
class TimelineStage:
    """One stage of the order; with no actual dates yet it is still planned."""

    name: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None = None
    actual_end: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(
            self,
            planned_start=self.planned_start,
            planned_end=self.planned_end,
            actual_start=self.actual_start,
            actual_end=self.actual_end,
        )
        if self.actual_end is not None and self.actual_start is None:
            raise ValueError(f"stage {self.name!r} has an actual end but no actual start")


@dataclass(frozen=True)
class ProofDecision:
    version: int
    decided_at: datetime
    outcome: ProofOutcome
    comment: str = ""

    def __post_init__(self) -> None:
        _require_aware(self, decided_at=self.decided_at)


@dataclass(frozen=True)
class TimelineView:
    """What the customer sees of their order: progress, ETA against the promise, proofs."""

    order_number: str
    customer_name: str
    ordered_at: datetime
    items: tuple[str, ...]  # one human summary per order line
    status: str  # human label of the current status, e.g. "In production"
    promised_date: date
    eta: date | None
    stages: tuple[TimelineStage, ...]
    printed_at: datetime
    time_zone: str
    proof_decisions: tuple[ProofDecision, ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self, ordered_at=self.ordered_at, printed_at=self.printed_at)
        _require_zone(self.time_zone)


@dataclass(frozen=True)
class PriceLine:
    label: str
    amount: Money
    detail: str = ""


@dataclass(frozen=True)
class PaymentStage:
    label: str  # "Deposit", "On proof approval", "Before shipping"
    amount: Money
    due: str  # when it falls due, in words


@dataclass(frozen=True)
class QuoteView:
    """A priced offer. The payment plan must add up to the total, so the PDF cannot disagree."""

    quote_number: str
    customer_name: str
    product: str
    configuration: tuple[ConfigLine, ...]
    price_lines: tuple[PriceLine, ...]
    payment_plan: tuple[PaymentStage, ...]
    lead_time_days: int
    issued_on: date
    valid_until: date
    printed_at: datetime
    time_zone: str
    tax_lines: tuple[PriceLine, ...] = ()
    estimated_delivery: date | None = None
    terms: tuple[str, ...] = DEFAULT_QUOTE_TERMS

    def __post_init__(self) -> None:
        _require_aware(self, printed_at=self.printed_at)
        _require_zone(self.time_zone)
        if not self.price_lines:
            raise ValueError("a quote needs at least one price line")
        if self.valid_until < self.issued_on:
            raise ValueError("a quote cannot expire before it is issued")
        amounts = [line.amount for line in (*self.price_lines, *self.tax_lines)]
        amounts += [stage.amount for stage in self.payment_plan]
        currencies = sorted({amount.currency for amount in amounts})
        if len(currencies) > 1:
            raise ValueError(f"currency mismatch in quote: {', '.join(currencies)}")
        planned = sum((stage.amount for stage in self.payment_plan), Money.zero(self.currency))
        if self.payment_plan and planned != self.total:
            raise ValueError(f"payment plan adds up to {planned}, the total is {self.total}")

    @property
    def currency(self) -> str:
        return self.price_lines[0].amount.currency

    @property
    def subtotal(self) -> Money:
        return sum((line.amount for line in self.price_lines), Money.zero(self.currency))

    @property
    def total(self) -> Money:
        return sum((line.amount for line in self.tax_lines), self.subtotal)
