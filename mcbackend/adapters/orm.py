"""SQLAlchemy 2.x tables. Every business row carries ``tenant_id``.

Money columns are integer minor units next to a currency code; timestamps are stored in UTC
and always come back time zone aware (see :class:`UTCDateTime`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names so migrations are stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def definition_hash(definition: dict[str, Any]) -> str:
    """SHA-256 of a product definition's canonical JSON."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDocument}


class TenantOwned:
    """Mixin for rows that belong to a tenant."""

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(TenantOwned, Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # The public prefix finds the row; only a hash of the secret part is stored.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship(lazy="joined")


class Plant(TenantOwned, Base):
    __tablename__ = "plants"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # The published plan: which run it came from and its version number.
    active_run_id: Mapped[int | None] = mapped_column(Integer)
    plan_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShiftCalendar(TenantOwned, Base):
    """Weekly working time of a plant or resource, in the plant's local time zone."""

    __tablename__ = "shift_calendars"
    __table_args__ = (UniqueConstraint("plant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # [{"weekday": 0..6 (Monday=0), "start": "07:00", "end": "15:30"}, ...]
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # ["2026-12-25", ...] in the plant's local calendar
    holidays: Mapped[list[str]] = mapped_column(JSONDocument, default=list)


class Resource(TenantOwned, Base):
    """A machine, work station or skilled person."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("plant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("shift_calendars.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # machine | station | person
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Changeover time when consecutive operations differ in setup family (fabric, colour).
    setup_minutes: Mapped[int] = mapped_column(Integer, default=0)
    groups: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Product(TenantOwned, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[ProductVersion]] = relationship(
        back_populates="product", order_by="ProductVersion.version", lazy="raise"
    )


class ProductVersion(TenantOwned, Base):
    """An immutable snapshot of a product's options, rules and prices.

    Orders and quotes point at a version, so editing the catalog never changes them.
    """

    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column()
    # SHA-256 of the canonical definition JSON: names the price list a quote was made on and
    # keys the in-process cache of compiled definitions.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="versions", lazy="raise")


class Quote(TenantOwned, Base):
    """A stored, reproducible price for one configuration of one product version."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    product_version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id"))
    configuration: Mapped[dict[str, Any]] = mapped_column()
    quantity: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10))
    requested_date: Mapped[date | None] = mapped_column(Date)
    rush: Mapped[bool] = mapped_column(Boolean, default=False)
    revision_rounds: Mapped[int] = mapped_column(Integer, default=0)
    # Digest of every pricing input: equal keys mean equal quotes.
    quote_key: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)
    # The full breakdown and payment plan exactly as priced, for display and audits.
    document: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(TenantOwned, Base):
    """A POST seen with an ``Idempotency-Key``: the request's fingerprint and, once done,
    the response to replay to retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # processing | completed
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class StoredFile(TenantOwned, Base):
    """An uploaded attachment: a brief's reference, a proof mockup, a 3D scan, a spec sheet."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(TenantOwned, Base):
    """An order and its state; the event table below is its timeline.

    ``version`` is SQLAlchemy's version counter set by the domain: an UPDATE only succeeds
    if the row still has the version it was read with, so two concurrent decisions on the
    same order can never both win.
    """

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_contact: Mapped[str] = mapped_column(String(200))
    customer_language: Mapped[str] = mapped_column(String(16))
    delivery_address: Mapped[dict[str, Any]] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int | None] = mapped_column(BigInteger)
    requested_date: Mapped[date | None] = mapped_column(Date)
    rush: Mapped[bool] = mapped_column(Boolean, default=False)
    target_serial: Mapped[str | None] = mapped_column(String(64))
    promised_date: Mapped[date | None] = mapped_column(Date)  # what we told the customer
    planned_completion: Mapped[datetime | None]  # ETA from the active plan
    # The aggregate's parts that are only ever read and written with the order.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    design: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    brief: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    cancellation: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    payment_plan: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    deposit_required: Mapped[int | None] = mapped_column(BigInteger)
    tracking_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class OrderEvent(TenantOwned, Base):
    """Append-only: the order's timeline, customer-visible or internal."""

    __tablename__ = "order_events"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    visibility: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column()


class Payment(TenantOwned, Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Unit(TenantOwned, Base):
    """One produced (or customer-owned) item and its as-built configuration history."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("tenant_id", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    product_version_id: Mapped[int | None] = mapped_column(ForeignKey("product_versions.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_owned: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Job(TenantOwned, Base):
    """The production work for one unit, expanded from the product's job template."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    # production: makes a unit; design: a designer's work on a co-design order before
    # approval; hold: capacity held tentatively for a co-design order awaiting approval
    kind: Mapped[str] = mapped_column(String(20), default="production")
    product_family: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    # [{"before": op key, "after": op key, "min_lag": minutes, "max_lag": minutes | null}]
    arcs: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(20))  # released | superseded | done
    # A tentative hold of capacity (kind "hold") is planned only until it expires.
    expires_at: Mapped[datetime | None]
    # Operations with a materials gate wait for these: planned no earlier than the expected
    # arrival, started on the shop floor only once they are received.
    materials_expected_at: Mapped[datetime | None]
    materials_received_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    operations: Mapped[list[Operation]] = relationship(
        back_populates="job", order_by="Operation.seq", lazy="selectin"
    )


class Operation(TenantOwned, Base):
    __tablename__ = "operations"
    __table_args__ = (UniqueConstraint("job_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    durations: Mapped[dict[str, Any]] = mapped_column()  # resource group → minutes
    setup_family: Mapped[str | None] = mapped_column(String(100))
    gates: Mapped[list[str]] = mapped_column(JSONDocument)
    quality_check: Mapped[bool] = mapped_column(Boolean, default=False)
    splittable: Mapped[bool] = mapped_column(Boolean, default=False)
    cut_off: Mapped[bool] = mapped_column(Boolean, default=False)
    design: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    actual_resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    job: Mapped[Job] = relationship(back_populates="operations")


class Downtime(TenantOwned, Base):
    """A window in which a resource cannot work: planned maintenance or a breakdown."""

    __tablename__ = "downtimes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))  # planned | breakdown
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The database allows one queued or running solve per plant.
_RUN_ACTIVE = "status IN ('queued', 'running')"


class ScheduleRun(TenantOwned, Base):
    """One solve of a plant: its input summary, outcome and, once published, the active plan."""

    __tablename__ = "schedule_runs"
    __table_args__ = (
        Index(
            "uq_schedule_runs_one_active_per_plant",
            "plant_id",
            unique=True,
            sqlite_where=text(_RUN_ACTIVE),
            postgresql_where=text(_RUN_ACTIVE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # queued|running|succeeded|failed|published
    trigger: Mapped[str] = mapped_column(String(20))  # manual | breakdown | rush | late
    publish: Mapped[bool] = mapped_column(Boolean, default=False)  # publish when it succeeds
    time_limit_s: Mapped[float] = mapped_column()
    workers: Mapped[int] = mapped_column(Integer)
    origin: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what went into the solve
    solver_status: Mapped[str | None] = mapped_column(String(20))
    objective: Mapped[float | None] = mapped_column()
    best_bound: Mapped[float | None] = mapped_column()
    gap: Mapped[float | None] = mapped_column()
    wall_s: Mapped[float | None] = mapped_column()
    makespan_minutes: Mapped[int | None] = mapped_column(Integer)
    weighted_tardiness: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    plan_version: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]


class JobSheetBatch(TenantOwned, Base):
    """All job sheets of a plant's plan (or of a window of it), rendered by a worker into one
    stored PDF."""

    __tablename__ = "job_sheet_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed
    start: Mapped[datetime | None]  # the window of planned operations; none: the whole plan
    end: Mapped[datetime | None]
    pages: Mapped[int | None] = mapped_column(Integer)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PlannedOperation(TenantOwned, Base):
    """One assignment of a schedule run: operation → resource, start, end."""

    __tablename__ = "planned_operations"
    __table_args__ = (UniqueConstraint("run_id", "operation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_runs.id", ondelete="CASCADE"), index=True
    )
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()


class OutboxEvent(TenantOwned, Base):
    """A change integrators and customers should hear about, written in the same transaction
    as the change itself; webhook and e-mail delivery read from here (at least once)."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)  # e.g. order.confirmed
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(TenantOwned, Base):
    """What a customer said about a delivered order."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[int]] = mapped_column(JSONDocument, default=list)  # stored file ids
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(TenantOwned, Base):
    """An adjustment request or complaint about a delivered unit."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # adjustment | complaint
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookEndpoint(TenantOwned, Base):
    """A tenant's receiver of public events. Payloads are signed per Standard Webhooks with
    ``secret`` (symmetric, so it is stored as is); after a rotation the previous secret keeps
    signing beside the new one until ``previous_secret_expires_at``."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(JSONDocument)  # empty: every event type
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutboxDispatch(TenantOwned, Base):
    """An outbox event that has been fanned out to its webhook deliveries and e-mails; the
    primary key makes that happen once even with several dispatchers."""

    __tablename__ = "outbox_dispatches"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True
    )
    dispatched_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(TenantOwned, Base):
    """One outbox event for one endpoint: pending until the receiver answers 2xx, retried
    with backoff, dead after the last retry (replay sets it pending again)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # pending | succeeded | failed | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_response_ms: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(TenantOwned, Base):
    """The delivery log: every request made for a delivery and how the receiver answered."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response_ms: Mapped[int | None] = mapped_column(Integer)


class Notification(TenantOwned, Base):
    """One customer e-mail made from an outbox event: its template, language, recipient and
    outcome (pending | sent | failed | dead | skipped), retried like webhook deliveries."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "template"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
