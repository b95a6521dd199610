"""Co-design: proofs issued by the company, decided by the customer (or on their behalf)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import pricing
from mcbackend.domain.catalog import parse_payment_plan
from mcbackend.domain.proofs import Proof
from mcbackend.services import orders, production, tenants
from mcbackend.services.configuration import product_version, require_valid, resolve_files
from mcbackend.services.files import require_files


def issue_proof(
    uow: UnitOfWork,
    order_id: int,
    data: dict[str, Any],
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> Proof:
    """The company proposes a design: a validated, priced configuration plus mockups."""
    edit = orders.OrderEdit(uow, order_id, expected_version)
    extra = edit.row.lines[0]
    row, definition = product_version(uow, extra["product_id"], extra["version"])
    configuration = require_valid(definition, resolve_files(uow, definition, data["configuration"]))
    require_files(uow, data.get("attachments", []), "attachments")
    rounds = len(edit.order.design.proofs) + 1 if edit.order.design else 1
    quote = pricing.price(
        definition,
        configuration,
        version=row.version,
        today=now.date(),
        quantity=edit.order.lines[0].quantity,
        mode="co",
        requested_date=edit.order.requested_date,
        revision_rounds=rounds,
        plan=tenants.tenant_payment_plan(uow),
    )
    proof = edit.order.issue_proof(
        configuration,
        tuple(str(f) for f in data.get("attachments", [])),
        quote.total,
        now,
        orders.actor_label(actor),
    )
    lines = [dict(line) for line in edit.row.lines]
    lines[0]["quote"] = quote.to_dict()
    edit.row.lines = lines
    edit.save()
    return proof



def decide_proof(
    uow: UnitOfWork,
    order_id: int,
    number: int,
    decision: str,
    comment: str,
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> orm.Order:
    """Approve a proof (its configuration and price become the order's) or ask for changes."""
    edit = orders.OrderEdit(uow, order_id, expected_version)
    if decision == "approve":
        edit.order.approve_proof(number, now, orders.actor_label(actor))
        # Now the price is known, so is the deposit the payment plan asks for.
        edit.order.deposit_required = orders.deposit_for(
            edit.order.total, parse_payment_plan(edit.row.payment_plan)
        )
        orders.record_due_installments(uow, edit.row, edit.order, "proof_approved", now)
        production.finish_design(uow, order_id, now)
    else:
        edit.order.request_proof_changes(number, comment, now, orders.actor_label(actor))
    return edit.save()
