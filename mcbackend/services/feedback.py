"""After delivery: feedback, adjustment and complaint tickets, and reordering."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from mcbackend import configurator
from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import orders as d
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem
from mcbackend.services import orders
from mcbackend.services.configuration import definitions
from mcbackend.services.files import require_files

TICKET_STATUSES = ("open", "in_progress", "resolved", "rejected")



def leave_feedback(
    uow: UnitOfWork, order_id: int, data: dict[str, Any], now: datetime
) -> orm.Feedback:
    """A customer's rating (1-5), comment and photos; once per order, after delivery."""
    edit = orders.OrderEdit(uow, order_id, None)
    if edit.order.status is not d.OrderStatus.DELIVERED:
        raise Conflict(
            "feedback opens once the order is delivered",
            code="not_delivered",
            extra={"order_status": edit.order.status.value},
        )
    if not 1 <= data["rating"] <= 5:
        raise BusinessRuleViolation(
            "a rating is between 1 and 5",
            code="invalid_rating",
            errors=[FieldProblem("rating", "out_of_range", "1 to 5")],
        )
    photos = list(data.get("photos", []))
    require_files(uow, photos, "photos")
    if uow.feedback.find_by(order_id=edit.row.id) is not None:
        raise Conflict("feedback for this order was already given", code="feedback_exists")
    row = uow.feedback.add(
        orm.Feedback(
            order_id=edit.row.id,
            rating=data["rating"],
            comment=data.get("comment", ""),
            photos=photos,
            created_at=now,
        )
    )
    edit.order.record(
        "feedback_received",
        now,
        "customer",
        visibility=d.Visibility.CUSTOMER,
        data={"rating": data["rating"]},
    )
    try:
        edit.save()
    except IntegrityError as exc:  # two submissions racing each other
        raise Conflict("feedback for this order was already given", code="feedback_exists") from exc
    return row


def open_ticket(
    uow: UnitOfWork, unit_id: int, data: dict[str, Any], now: datetime, actor: str
) -> orm.Ticket:
    """An adjustment or complaint about a delivered unit, on its order's timeline."""
    unit = uow.units.get(unit_id)
    photos = list(data.get("photos", []))
    require_files(uow, photos, "photos")
    ticket = uow.tickets.add(
        orm.Ticket(
            unit_id=unit.id,
            order_id=unit.order_id,
            kind=data["kind"],
            description=data["description"],
            photos=photos,
            created_at=now,
        )
    )
    uow.flush()
    if unit.order_id is not None:
        edit = orders.OrderEdit(uow, unit.order_id, None)
        edit.order.record(
            f"{data['kind']}_opened",
            now,
            orders.actor_label(actor),
            visibility=d.Visibility.CUSTOMER,
            data={"ticket": ticket.id, "serial": unit.serial},
        )
        edit.save()
    else:
        uow.commit()
    return ticket


def update_ticket(uow: UnitOfWork, ticket_id: int, data: dict[str, Any]) -> orm.Ticket:
    ticket = uow.tickets.get(ticket_id)
    if ticket.status in ("resolved", "rejected"):
        raise Conflict(f"the ticket is already {ticket.status}", code="ticket_closed")
    ticket.status = data["status"]
    ticket.resolution = data.get("resolution", ticket.resolution)
    uow.commit()
    return ticket


def reorder_check(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    """The same configurations against the products' current versions: still valid? what
    changed in the catalog, and which lines can be ordered again as they are."""
    order = uow.orders.get(order_id)
    lines = []
    for index, line in enumerate(order.lines):
        if not line.get("product_id"):
            lines.append(
                {
                    "line": index,
                    "reorderable": False,
                    "reason": "bespoke pieces are briefed and priced anew",
                }
            )
            continue
        product = uow.products.get(line["product_id"])
        current_row = uow.product_versions.get_version(product.id, product.current_version)
        current = definitions.get(current_row)
        result = configurator.validate(current, line["configuration"])
        lines.append(
            {
                "line": index,
                "product_id": product.id,
                "product_active": product.active,
                "ordered_version": line["version"],
                "current_version": current_row.version,
                "configuration": result.configuration if result.valid else line["configuration"],
                "reorderable": result.valid and product.active,
                "differences": [v.to_dict() for v in result.violations],
                "quantity": line["quantity"],
            }
        )
    return {"order_id": order.id, "reference": order.reference, "lines": lines}


def order_feedback(uow: UnitOfWork, order_id: int) -> Sequence[orm.Feedback]:
    uow.orders.get(order_id)
    return uow.feedback.list(orm.Feedback.order_id == order_id)


def unit_tickets(uow: UnitOfWork, unit_id: int) -> Sequence[orm.Ticket]:
    uow.units.get(unit_id)
    return uow.tickets.list(orm.Ticket.unit_id == unit_id)


def list_tickets(
    uow: UnitOfWork, page: int, page_size: int, status: str | None
) -> tuple[Sequence[orm.Ticket], int]:
    criteria = [] if status is None else [orm.Ticket.status == status]
    return uow.tickets.page(page, page_size, *criteria, order_by=orm.Ticket.id.desc())
