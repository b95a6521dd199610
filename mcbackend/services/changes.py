"""Change orders: preview the impact first, accept to apply it, or simply don't."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import orders as d
from mcbackend.domain import pricing
from mcbackend.domain.changes import ChangeRequest, ImpactPreview, preview_change
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem
from mcbackend.domain.money import Money
from mcbackend.services import orders, production, tenants
from mcbackend.services.configuration import product_version, require_valid, resolve_files


def _change_request(data: dict[str, Any]) -> ChangeRequest:
    return ChangeRequest(
        line=data.get("line", 0),
        configuration=data.get("configuration"),
        quantity=data.get("quantity"),
        requested_date=data.get("requested_date"),
    )


def _preview(
    uow: UnitOfWork, row: orm.Order, order: d.Order, change: ChangeRequest, now: datetime
) -> tuple[ImpactPreview, dict[str, Any] | None]:
    if order.status not in d.CHANGEABLE:
        raise Conflict(
            f"only confirmed orders not yet ready take change orders, not {order.status.value}",
            code="not_changeable",
            extra={"status": order.status.value},
        )
    if order.mode in production.ROUTED_BY_HAND:
        raise Conflict(
            "hand-routed orders (bespoke, alterations) are changed by re-planning them",
            code="routed_by_hand",
        )
    if not 0 <= change.line < len(order.lines):
        raise BusinessRuleViolation(
            f"there is no line {change.line}; the order has {len(order.lines)}",
            code="unknown_line",
            errors=[FieldProblem("line", "unknown_line", "no such line")],
        )
    line = order.lines[change.line]
    extra = row.lines[change.line]
    version_row, definition = product_version(uow, extra["product_id"], extra["version"])
    configuration = line.configuration
    if change.configuration is not None:
        configuration = require_valid(
            definition, resolve_files(uow, definition, change.configuration)
        )
        change = ChangeRequest(change.line, configuration, change.quantity, change.requested_date)
    quote = pricing.price(
        definition,
        configuration,
        version=version_row.version,
        today=now.date(),
        quantity=change.quantity or line.quantity,
        mode=order.mode.value,
        requested_date=change.requested_date or order.requested_date,
        plan=tenants.tenant_payment_plan(uow),
    )
    preview = preview_change(
        order_version=order.version,
        change=change,
        current_price=line.price or Money.zero(order.currency),
        new_price=quote.total,
        earliest_date=date.fromisoformat(quote.to_dict()["ready_by"]),
        operations=production.operation_states(uow, row.id, change.line, order.currency),
        design=order.design,
    )
    return preview, quote.to_dict()


def preview(uow: UnitOfWork, order_id: int, data: dict[str, Any], now: datetime) -> dict:
    """What the change would do: price difference, new date, rework, reopened proofs."""
    row = uow.orders.get(order_id)
    order = uow.order_store.load(row)
    impact, _ = _preview(uow, row, order, _change_request(data), now)
    return impact.to_dict()


def accept(
    uow: UnitOfWork, order_id: int, data: dict[str, Any], now: datetime, actor: str
) -> orm.Order:
    """Apply a change previewed on ``data["version"]``: re-validated, re-priced, re-released."""
    edit = orders.OrderEdit(uow, order_id, None)
    change = _change_request(data)
    impact, quote = _preview(uow, edit.row, edit.order, change, now)
    # The client accepts what it previewed on its version; if the order moved since, the
    # numbers may have too, so the domain refuses a preview of an older version.
    impact = ImpactPreview(
        data["version"],
        impact.line,
        impact.current_price,
        impact.new_price,
        impact.earliest_date,
        impact.operations,
        impact.proofs_reopened,
    )
    if change.configuration is not None:  # apply the normalized configuration
        change = ChangeRequest(
            change.line, quote["configuration"], change.quantity, change.requested_date
        )
    edit.order.accept_change(change, impact, now, orders.actor_label(actor))
    lines = [dict(line) for line in edit.row.lines]
    lines[change.line]["quote"] = quote
    edit.row.lines = lines
    if impact.operations:
        production.rerelease_line(uow, edit.row, edit.order, change.line, now)
    return edit.save()
