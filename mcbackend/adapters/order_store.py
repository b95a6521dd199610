"""Loading and saving the Order aggregate and units: domain objects ↔ table rows.

An order row holds the aggregate's parts as JSON (lines, design with its proofs, brief,
cancellation); its events live in their own append-only table. Saving writes the row back
and inserts the events the domain appended since loading.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from mcbackend.adapters import orm
from mcbackend.domain import orders as d
from mcbackend.domain.bespoke import BespokeBrief, Measurement
from mcbackend.domain.money import Money
from mcbackend.domain.notifications import public_events
from mcbackend.domain.proofs import Design, DesignBrief, Proof, ProofStatus, RevisionPolicy
from mcbackend.domain.units import ConfigurationVersion, Unit


def money_to_dict(money: Money | None) -> dict[str, Any] | None:
    return None if money is None else money.to_dict()


def money_from_dict(data: dict[str, Any] | None) -> Money | None:
    return None if data is None else Money(int(data["amount"]), data["currency"])


def _dt(raw: str | None) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(raw)


# --- parts of the order ------------------------------------------------------------------


def _design_to_dict(design: Design | None) -> dict[str, Any] | None:
    if design is None:
        return None
    return {
        "brief": {
            "text": design.brief.text,
            "attachments": list(design.brief.attachments),
            "references": list(design.brief.references),
        },
        "policy": {
            "included": design.policy.included,
            "extra_round_price": design.policy.extra_round_price.to_dict(),
        },
        "proofs": [proof.to_dict() for proof in design.proofs],
    }


def _design_from_dict(data: dict[str, Any] | None) -> Design | None:
    if data is None:
        return None
    brief = data["brief"]
    proofs = [
        Proof(
            number=p["number"],
            configuration=p["configuration"],
            attachments=tuple(p["attachments"]),
            price=money_from_dict(p["price"]),
            fee=money_from_dict(p["fee"]),
            issued_at=_dt(p["issued_at"]),
            status=ProofStatus(p["status"]),
            comment=p["comment"],
            decided_at=_dt(p["decided_at"]),
        )
        for p in data["proofs"]
    ]
    policy = data["policy"]
    return Design(
        DesignBrief(brief["text"], tuple(brief["attachments"]), tuple(brief["references"])),
        RevisionPolicy(policy["included"], money_from_dict(policy["extra_round_price"])),
        proofs,
    )


def brief_to_dict(brief: BespokeBrief | None) -> dict[str, Any] | None:
    if brief is None:
        return None
    return {
        "text": brief.text,
        "measurements": [
            {"name": m.name, "value": str(m.value), "unit": m.unit} for m in brief.measurements
        ],
        "files": list(brief.files),
    }


def _brief_from_dict(data: dict[str, Any] | None) -> BespokeBrief | None:
    if data is None:
        return None
    measurements = tuple(
        Measurement(m["name"], Decimal(m["value"]), m["unit"]) for m in data["measurements"]
    )
    return BespokeBrief(data["text"], measurements, tuple(data["files"]))


def _cancellation_to_dict(c: d.Cancellation | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"reason": c.reason, "cost": c.cost.to_dict(), "at": c.at.isoformat()}


def _cancellation_from_dict(data: dict[str, Any] | None) -> d.Cancellation | None:
    if data is None:
        return None
    return d.Cancellation(data["reason"], money_from_dict(data["cost"]), _dt(data["at"]))


def _event_from_row(row: orm.OrderEvent) -> d.OrderEvent:
    return d.OrderEvent(row.type, row.at, row.actor, d.Visibility(row.visibility), row.data)


# --- the aggregate -----------------------------------------------------------------------


def order_from_row(row: orm.Order, events: list[orm.OrderEvent]) -> d.Order:
    return d.Order(
        reference=row.reference,
        mode=d.Mode(row.mode),
        customer=d.Customer(row.customer_name, row.customer_contact, row.customer_language),
        lines=[
            d.OrderLine(
                line["product_version"],
                line["configuration"],
                line["quantity"],
                money_from_dict(line["price"]),
            )
            for line in row.lines
        ],
        delivery_address=d.Address(**row.delivery_address),
        currency=row.currency,
        requested_date=row.requested_date,
        rush=row.rush,
        target_serial=row.target_serial,
        brief=_brief_from_dict(row.brief),
        deposit_required=(
            None if row.deposit_required is None else Money(row.deposit_required, row.currency)
        ),
        status=d.OrderStatus(row.status),
        version=row.version,
        design=_design_from_dict(row.design),
        cancellation=_cancellation_from_dict(row.cancellation),
        events=[_event_from_row(e) for e in events],
    )


def write_order(row: orm.Order, order: d.Order) -> None:
    """Copy the aggregate's state onto its row (new events are inserted by the store)."""
    row.reference = order.reference
    row.mode = order.mode.value
    row.status = order.status.value
    row.version = order.version
    row.customer_name = order.customer.name
    row.customer_contact = order.customer.contact
    row.customer_language = order.customer.language
    row.delivery_address = {
        "name": order.delivery_address.name,
        "street": order.delivery_address.street,
        "postal_code": order.delivery_address.postal_code,
        "city": order.delivery_address.city,
        "country": order.delivery_address.country,
    }
    row.currency = order.currency
    total = order.total
    row.total_amount = None if total is None else total.amount
    row.requested_date = order.requested_date
    row.rush = order.rush
    row.target_serial = order.target_serial
    # Lines keep catalog facts the domain doesn't need (product ids, the quote) beside it.
    previous = list(row.lines or [])
    lines = []
    for index, line in enumerate(order.lines):
        extra = previous[index] if index < len(previous) else {}
        lines.append(
            {
                **extra,
                "product_version": line.product_version,
                "configuration": line.configuration,
                "quantity": line.quantity,
                "price": money_to_dict(line.price),
            }
        )
    row.lines = lines
    row.design = _design_to_dict(order.design)
    row.brief = brief_to_dict(order.brief)
    row.cancellation = _cancellation_to_dict(order.cancellation)
    row.deposit_required = None if order.deposit_required is None else order.deposit_required.amount


# Built once: a statement object memoizes its cache key, which SQLAlchemy would otherwise
# derive anew from a freshly built statement on every execution.
_INSERT_ORDER = insert(orm.Order.__table__).returning(orm.Order.__table__.c.id)
_INSERT_EVENTS = insert(orm.OrderEvent.__table__)
_INSERT_OUTBOX = insert(orm.OutboxEvent.__table__)


class OrderStore:
    """Load an order for change and save it back, with its new events."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def events(self, order_id: int) -> list[orm.OrderEvent]:
        stmt = (
            select(orm.OrderEvent)
            .where(orm.OrderEvent.order_id == order_id, orm.OrderEvent.tenant_id == self.tenant_id)
            .order_by(orm.OrderEvent.seq)
        )
        return list(self.session.scalars(stmt))

    def load(self, row: orm.Order) -> d.Order:
        return order_from_row(row, self.events(row.id))

    def save(self, row: orm.Order, order: d.Order) -> None:
        """Write the order, then insert the events the domain appended since loading and an
        outbox row per public event: one multi-row INSERT each, not a flush of many objects."""
        known = (
            self.session.scalar(select(func.count()).where(orm.OrderEvent.order_id == row.id))
            if row.id is not None
            else 0
        )
        write_order(row, order)
        row.tenant_id = self.tenant_id
        if row.id is None:
            self._insert(row)
        else:
            self.session.flush()
        events, outbox = [], []
        now = orm.utcnow()
        for seq, event in enumerate(order.events[known:], start=known + 1):
            events.append(
                {
                    "tenant_id": self.tenant_id,
                    "order_id": row.id,
                    "seq": seq,
                    "type": event.type,
                    "at": event.at,
                    "actor": event.actor,
                    "visibility": event.visibility.value,
                    "data": event.data,
                }
            )
            for public_type in public_events(event.type, event.data):
                outbox.append(
                    {
                        "tenant_id": self.tenant_id,
                        "type": public_type,
                        "order_id": row.id,
                        "payload": _public_payload(row, event, public_type),
                        "created_at": now,
                    }
                )
        connection = self.session.connection()
        if events:
            connection.execute(_INSERT_EVENTS, events)
        if outbox:
            connection.execute(_INSERT_OUTBOX, outbox)

    def _insert(self, row: orm.Order) -> None:
        """INSERT a new order row with one Core statement rather than a unit-of-work flush
        (a tenth of a request's CPU), then attach it to the session as a flush would have:
        persistent, every column loaded, nothing pending, so a later save UPDATEs it against
        the version it was inserted with."""
        mapper = inspect(orm.Order)
        given = {
            prop.columns[0].key: row.__dict__[prop.key]
            for prop in mapper.column_attrs
            if prop.key in row.__dict__
        }
        result = self.session.connection().execute(_INSERT_ORDER, given)
        inserted = {**result.last_inserted_params(), "id": result.scalar_one()}
        for prop in mapper.column_attrs:  # the id, defaults and columns left unset
            if prop.key not in row.__dict__:
                setattr(row, prop.key, inserted.get(prop.columns[0].key))
        make_transient_to_detached(row)
        self.session.add(row)


def _public_payload(row: orm.Order, event: d.OrderEvent, public_type: str) -> dict[str, Any]:
    return {
        "type": public_type,
        "timestamp": event.at.isoformat(),
        "data": {
            "order_id": row.id,
            "reference": row.reference,
            "status": row.status,
            "version": row.version,
            "event": event.type,
            "visibility": event.visibility.value,
            **event.data,
        },
    }


# --- units -------------------------------------------------------------------------------


def unit_from_row(row: orm.Unit) -> Unit:
    return Unit(
        row.serial,
        row.history[-1]["product_version"] if row.history else "",
        customer_owned=row.customer_owned,
        history=[
            ConfigurationVersion(
                h["number"], h["configuration"], _dt(h["at"]), h["reason"], h.get("order")
            )
            for h in row.history
        ],
    )


def write_unit(row: orm.Unit, unit: Unit) -> None:
    row.serial = unit.serial
    row.customer_owned = unit.customer_owned
    row.history = [
        {
            "number": h.number,
            "configuration": h.configuration,
            "at": h.at.isoformat(),
            "reason": h.reason,
            "order": h.order_reference,
            "product_version": unit.product_version,
        }
        for h in unit.history
    ]
    row.version = unit.version
