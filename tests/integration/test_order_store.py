"""OrderStore.save inserts a new order with a Core statement: the row must then behave as a
flushed one (persistent, loaded, version-checked on its next save)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import StaleDataError

from mcbackend.adapters import orm
from mcbackend.adapters.order_store import OrderStore
from mcbackend.domain import orders as d
from mcbackend.domain.money import Money

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _order(reference: str) -> d.Order:
    return d.Order.place(
        reference=reference,
        mode=d.Mode.PRE,
        customer=d.Customer("Ada Lovelace", "ada@example.org", "en"),
        lines=[d.OrderLine("SOFA@1", {"layout": "l_shape"}, 1, Money(150000, "EUR"))],
        delivery_address=d.Address("Ada", "1 Analytical St", "N1 9GU", "London", "GB"),
        currency="EUR",
        now=NOW,
        actor="shop",
    )


@pytest.fixture
def session(app):
    with app.extensions["mcbackend.db"].session_factory() as session:
        yield session


def test_a_new_order_is_persistent_and_loaded_after_save(session, seeded_db):
    store = OrderStore(session, seeded_db.tenant_id)
    row = orm.Order(lines=[{"sku": "SOFA"}], tracking_token_hash="a" * 64)
    order = _order("MC-STORE001")
    store.save(row, order)
    state = inspect(row)
    assert state.persistent and object_session(row) is session
    assert not session.new and not state.modified
    # Columns the request did not set are loaded, not expired: reading them is no query.
    assert not state.unloaded
    assert row.created_at.tzinfo is not None and row.promised_date is None
    assert row.lines[0]["sku"] == "SOFA" and row.lines[0]["product_version"] == "SOFA@1"
    session.commit()
    stored = session.scalars(select(orm.Order).where(orm.Order.id == row.id)).one()
    assert stored is row
    count = select(func.count()).where(orm.OrderEvent.order_id == row.id)
    assert session.scalar(count) == len(order.events)


def test_the_next_save_updates_the_inserted_row_against_its_version(session, seeded_db):
    store = OrderStore(session, seeded_db.tenant_id)
    row = orm.Order(lines=[{}], tracking_token_hash="b" * 64)
    order = _order("MC-STORE002")
    store.save(row, order)
    order.record("note", NOW, "shop")  # version 2
    store.save(row, order)
    session.commit()
    assert session.scalar(select(orm.Order.version).where(orm.Order.id == row.id)) == 2
    # Someone else moved the row on: the stale in-session version makes the UPDATE fail.
    session.execute(orm.Order.__table__.update().where(orm.Order.id == row.id).values(version=5))
    order.record("another note", NOW, "shop")
    with pytest.raises(StaleDataError):
        store.save(row, order)
