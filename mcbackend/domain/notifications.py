"""Which order events the outside world hears about, and under which public event type.

Webhook subscribers and customer e-mails use these names; they are part of the API contract
(``order.created``, ``proof.decided``, …), while the timeline keeps its finer event types.
"""

from __future__ import annotations

from typing import Any

# Timeline event type → public event type.
PUBLIC_EVENT_TYPES: dict[str, str] = {
    "order_placed": "order.created",
    "confirmed": "order.confirmed",
    "proof_issued": "proof.issued",
    "proof_approved": "proof.decided",
    "proof_changes_requested": "proof.decided",
    "eta_updated": "eta.changed",
    "delayed": "eta.delayed",
    "operation_started": "operation.started",
    "operation_done": "operation.finished",
    "shipped": "order.shipped",
    "delivered": "order.delivered",
    "feedback_received": "feedback.received",
    "payment_due": "payment.due",
}
PLAN_PUBLISHED = "plan.published"
STATUS_CHANGED = "order.status_changed"
EVENT_TYPES: tuple[str, ...] = tuple(
    sorted({*PUBLIC_EVENT_TYPES.values(), PLAN_PUBLISHED, STATUS_CHANGED})
)


def public_events(event_type: str, data: dict[str, Any]) -> list[str]:
    """The public event types one timeline event produces (a status move adds
    ``order.status_changed`` to its specific type)."""
    types = [PUBLIC_EVENT_TYPES[event_type]] if event_type in PUBLIC_EVENT_TYPES else []
    if "from" in data and "to" in data:
        types.append(STATUS_CHANGED)
    return types
