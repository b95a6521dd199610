"""What the manufacturer learns from what was sold and made.

Read-only views over orders, events, plans and calendars. Each returns plain rows so the API
can answer as JSON or CSV.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services import scheduling
from mcbackend.services.configuration import definitions

# Orders that count as sold (drafts may never be confirmed; cancelled ones were undone).
SOLD = ("confirmed", "in_production", "ready", "shipped", "delivered")


def _sold_orders(uow: UnitOfWork) -> list[orm.Order]:
    return list(uow.orders.list(orm.Order.status.in_(SOLD)))


def option_popularity(uow: UnitOfWork, product_id: int) -> dict[str, Any]:
    """How often each value of the product's current version was chosen, the values never
    chosen, and the share of sold lines that departed from the defaults."""
    product = uow.products.get(product_id)
    version = uow.product_versions.get_version(product.id, product.current_version)
    definition = definitions.get(version)
    lines = [
        line
        for order in _sold_orders(uow)
        for line in order.lines
        if line.get("product_id") == product.id
    ]
    counts: Counter[tuple[str, str]] = Counter()
    changed = 0
    for line in lines:
        configuration = line["configuration"]
        departed = False
        for attribute in definition.attributes:
            value = configuration.get(attribute.code)
            chosen = value if isinstance(value, list) else [value]
            for item in chosen:
                if attribute.type in ("choice", "multi", "boolean") and item is not None:
                    counts[(attribute.code, str(item).lower())] += line["quantity"]
            if attribute.default is not None and value is not None and value != attribute.default:
                departed = True
        changed += departed
    rows, never = [], []
    for attribute in definition.attributes:
        if attribute.type not in ("choice", "multi", "boolean"):
            continue
        codes = [v.code for v in attribute.values] if attribute.values else ["true", "false"]
        for code in codes:
            count = counts[(attribute.code, str(code).lower())]
            label = attribute.value_label(code) if attribute.values else code
            row = {"attribute": attribute.code, "value": code, "label": label, "units": count}
            rows.append(row)
            if count == 0:
                never.append(row)
    return {
        "product_id": product.id,
        "version": version.version,
        "lines": len(lines),
        "changed_defaults_share": round(changed / len(lines), 4) if lines else None,
        "values": rows,
        "never_chosen": never,
    }


def delivery_performance(uow: UnitOfWork) -> dict[str, Any]:
    """On-time delivery rate and promised versus actual lead time (calendar days)."""
    rows = []
    for order in uow.orders.list(orm.Order.status == "delivered"):
        events = {e.type: e.at for e in reversed(uow.order_store.events(order.id))}
        confirmed, delivered = events.get("confirmed"), events.get("delivered")
        if confirmed is None or delivered is None:
            continue
        promised = order.promised_date
        rows.append(
            {
                "order_id": order.id,
                "reference": order.reference,
                "mode": order.mode,
                "promised_date": promised.isoformat() if promised else None,
                "delivered_on": delivered.date().isoformat(),
                "on_time": promised is None or delivered.date() <= promised,
                "promised_lead_days": (promised - confirmed.date()).days if promised else None,
                "actual_lead_days": (delivered.date() - confirmed.date()).days,
            }
        )
    promised = [r["promised_lead_days"] for r in rows if r["promised_lead_days"] is not None]
    return {
        "delivered": len(rows),
        "on_time_rate": round(sum(r["on_time"] for r in rows) / len(rows), 4) if rows else None,
        "avg_promised_lead_days": round(sum(promised) / len(promised), 2) if promised else None,
        "avg_actual_lead_days": round(sum(r["actual_lead_days"] for r in rows) / len(rows), 2)
        if rows
        else None,
        "orders": rows,
    }


def proof_rounds(uow: UnitOfWork) -> dict[str, Any]:
    rows = [
        {
            "order_id": o.id,
            "reference": o.reference,
            "status": o.status,
            "rounds": len((o.design or {}).get("proofs", [])),
        }
        for o in uow.orders.list(orm.Order.mode == "co")
    ]
    return {
        "co_orders": len(rows),
        "avg_rounds": round(sum(r["rounds"] for r in rows) / len(rows), 2) if rows else None,
        "orders": rows,
    }


def revenue(uow: UnitOfWork) -> dict[str, Any]:
    """Sold revenue by mode and by product, in minor units per currency."""
    by_mode: dict[tuple[str, str], int] = defaultdict(int)
    by_product: dict[tuple[str, str], int] = defaultdict(int)
    for order in _sold_orders(uow):
        for line in order.lines:
            if not line.get("price"):
                continue
            amount, currency = line["price"]["amount"], line["price"]["currency"]
            by_mode[(order.mode, currency)] += amount
            by_product[(line.get("sku", "bespoke"), currency)] += amount
    return {
        "by_mode": [
            {"mode": mode, "currency": cur, "amount": amount}
            for (mode, cur), amount in sorted(by_mode.items())
        ],
        "by_product": [
            {"sku": sku, "currency": cur, "amount": amount}
            for (sku, cur), amount in sorted(by_product.items())
        ],
    }


def utilization(uow: UnitOfWork, plant_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """Planned busy time of each resource in the active plan over its working time."""
    plant = uow.plants.get(plant_id)
    snapshot = scheduling.build_snapshot(uow, plant, start)
    horizon = (
        int((start - snapshot.origin).total_seconds() // 60),
        int((end - snapshot.origin).total_seconds() // 60),
    )
    busy: dict[int, int] = defaultdict(int)
    if plant.active_run_id is not None:
        stmt = select(orm.PlannedOperation).where(
            orm.PlannedOperation.run_id == plant.active_run_id,
            orm.PlannedOperation.start < end,
            orm.PlannedOperation.end > start,
        )
        for planned in uow.session.scalars(stmt):
            overlap = min(planned.end, end) - max(planned.start, start)
            busy[planned.resource_id] += int(overlap.total_seconds() // 60)
    rows = []
    for resource in snapshot.problem.resources:
        row = snapshot.resources[resource.id]
        windows = resource.windows if resource.windows is not None else [horizon]
        available = sum(max(0, min(e, horizon[1]) - max(s, horizon[0])) for s, e in windows)
        available *= row.capacity
        rows.append(
            {
                "resource_id": row.id,
                "resource": row.name,
                "available_minutes": available,
                "busy_minutes": busy[row.id],
                "utilization": round(busy[row.id] / available, 4) if available else None,
            }
        )
    return {
        "plant_id": plant.id,
        "plan_version": plant.plan_version,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resources": rows,
    }
