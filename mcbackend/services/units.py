"""Units: produced items and customer-owned items registered for alteration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from mcbackend.adapters import orm
from mcbackend.adapters.order_store import write_unit
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.errors import Conflict, FieldProblem
from mcbackend.domain.units import Unit
from mcbackend.services.configuration import product_version, require_valid, resolve_files


def register_customer_owned(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> orm.Unit:
    """Record an item a customer brings in, as found, so it can be altered."""
    row, definition = product_version(uow, data["product_id"], data.get("version"))
    configuration = require_valid(definition, resolve_files(uow, definition, data["configuration"]))
    unit = Unit.register_customer_owned(
        data["serial"],
        f"{definition.sku}@{row.version}",
        configuration,
        data.get("description", "customer-owned"),
        now,
    )
    unit_row = orm.Unit(product_id=row.product_id, product_version_id=row.id, order_id=None)
    write_unit(unit_row, unit)
    uow.units.add(unit_row)
    try:
        uow.commit()
    except IntegrityError as exc:
        raise Conflict(
            f"a unit with serial {data['serial']!r} already exists",
            code="duplicate_serial",
            errors=[FieldProblem("serial", "duplicate", "serials are unique")],
        ) from exc
    return unit_row


def list_units(
    uow: UnitOfWork, page: int, page_size: int, *, serial: str | None, order_id: int | None
) -> tuple[Sequence[orm.Unit], int]:
    criteria = []
    if serial:
        criteria.append(orm.Unit.serial == serial)
    if order_id:
        criteria.append(orm.Unit.order_id == order_id)
    return uow.units.page(page, page_size, *criteria)
