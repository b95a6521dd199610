"""Engine and session factory. SQLite gets foreign keys, WAL and a busy timeout."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        _prepare_sqlite(url)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=POOL_RECYCLE_S
    )
    _ping_idle_connections(engine)
    return engine


# Liveness without a round trip per checkout (pool_pre_ping pinged on every one, a tenth of
# a tracking read). A connection back in use within IDLE_PING_AFTER_S is trusted: if the
# database went away meanwhile, its statement fails with a disconnect error, SQLAlchemy
# invalidates the whole pool and the request answers 503 (Retry-After: 1); the next one
# connects afresh, no restart needed. A connection idle for longer (when a database restart
# most likely went unnoticed) is pinged first and replaced if dead, with the rest of the
# pool. The trade-off against pre-ping: when the database restarts during busy traffic, the
# requests on the pool's old connections fail once (pre-ping would have reconnected those
# that check out afterwards). POOL_RECYCLE_S bounds a connection's age (server-side
# timeouts, failovers).
IDLE_PING_AFTER_S = 10.0
POOL_RECYCLE_S = 1800


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_AFTER_S:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool replaces this connection (up to three attempts) and, as after any
            # disconnect, every other connection that was pooled before now.
            disconnected = exc.DisconnectionError("an idle pooled connection failed its ping")
            disconnected.invalidate_pool = True
            raise disconnected from error


class Database:
    """One engine and one session factory per application."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        # expire_on_commit=False: services hand loaded rows to the response schemas after commit.
        self.session_factory: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False
        )

    def dispose(self) -> None:
        self.engine.dispose()
