"""A count of the transactions this process has committed that changed or deleted an order.

A per-process cache of what orders look like stores the count it read with, and an entry
stored before a later order write committed here is no longer served: this process's own
writes (a status change, a rotated or revoked tracking token) show at once. Other processes'
writes cannot be seen this way; such a cache bounds its entries' age for those.
"""

from __future__ import annotations

import itertools

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from mcbackend.adapters import orm

_counter = itertools.count(1)  # next() is atomic under the GIL: threads commit concurrently
_committed = 0


def committed() -> int:
    """Changes with every committed transaction that updated or deleted an order."""
    return _committed


@event.listens_for(orm.Order, "after_update")
@event.listens_for(orm.Order, "after_delete")
def _order_written(_mapper, _connection, order: orm.Order) -> None:
    session = object_session(order)
    if session is not None:
        session.info["order_written"] = True


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    global _committed
    # A flag left by a rolled-back flush only costs a spurious count (cache misses).
    if session.info.pop("order_written", False):
        _committed = next(_counter)

