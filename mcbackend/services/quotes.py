"""Use cases for prices and stored quotes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from mcbackend.adapters import orm
from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import pricing
from mcbackend.services import tenants
from mcbackend.services.configuration import product_version, require_valid, resolve_files


def _today() -> date:
    return utcnow().date()


def price_configuration(
    uow: UnitOfWork, product_id: int, request: dict[str, Any], today: date | None = None
) -> tuple[orm.ProductVersion, pricing.Quote]:
    """Validate and price a configuration without storing anything."""
    row, definition = product_version(uow, product_id, request.get("version"))
    configuration = require_valid(
        definition, resolve_files(uow, definition, request["configuration"])
    )
    quote = pricing.price(
        definition,
        configuration,
        version=row.version,
        today=today or _today(),
        quantity=request.get("quantity", 1),
        mode=request.get("mode", "pre"),
        requested_date=request.get("requested_date"),
        revision_rounds=request.get("revision_rounds", 0),
        plan=tenants.tenant_payment_plan(uow),
    )
    return row, quote


def create_quote(
    uow: UnitOfWork, product_id: int, request: dict[str, Any], today: date | None = None
) -> orm.Quote:
    row, quote = price_configuration(uow, product_id, request, today)
    stored = uow.quotes.add(
        orm.Quote(
            product_id=row.product_id,
            product_version_id=row.id,
            configuration=quote.configuration,
            quantity=quote.quantity,
            mode=quote.mode,
            requested_date=quote.requested_date,
            rush=any(line.kind == "rush" for line in quote.lines),
            revision_rounds=quote.revision_rounds,
            quote_key=quote.key,
            currency=quote.currency,
            total_amount=quote.total.amount,
            lead_time_days=quote.lead_time_days,
            valid_until=quote.valid_until,
            document=quote.to_dict(),
        )
    )
    uow.commit()
    return stored


def list_quotes(
    uow: UnitOfWork, page: int, page_size: int, *, product_id: int | None = None
) -> tuple[Sequence[orm.Quote], int]:
    criteria = [] if product_id is None else [orm.Quote.product_id == product_id]
    return uow.quotes.page(page, page_size, *criteria, order_by=orm.Quote.id.desc())
