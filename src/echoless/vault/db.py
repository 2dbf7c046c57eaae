"""Database engines. SQLite (the embedded default) gets one writer connection that starts its
transactions with BEGIN IMMEDIATE behind a process lock, and a pool of readers; PostgreSQL gets a pool
for writes and an autocommit pool for reads. Both keep deleted bytes from lingering: SQLite with secure_delete and WAL truncation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

CHECKPOINT_WAIT_MS = 200  # how long a checkpoint waits for readers before it reports itself blocked
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=15000",
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored as naive UTC and always come back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_engine(url: str, *, writer: bool) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=1 if writer else 4,
        max_overflow=0 if writer else 8,
        connect_args={"check_same_thread": False, "timeout": 15},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, writer=False)
            self.write_engine = _sqlite_engine(url, writer=True)
        else:
            # Reads run without a transaction (no BEGIN and ROLLBACK round trips for each page); writes
            # get their own pool, always transactional.
            self.engine = create_engine(url, pool_size=5, max_overflow=10, pool_recycle=1800, isolation_level="AUTOCOMMIT")
            self.write_engine = create_engine(url, pool_size=5, max_overflow=10, pool_recycle=1800)
        self._write_lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed on exit and rolled back on any exception."""
        with self._write_lock, Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def compact(self, tables: tuple[str, ...] = ()) -> bool:
        """Make deleted bytes unreachable on disk: fold the SQLite WAL into the main file (where
        secure_delete has zeroed them) and truncate it; on PostgreSQL, vacuum. Returns whether SQLite's
        checkpoint completed (a reader of an older snapshot blocks it: then the old bytes are still in
        the WAL); on PostgreSQL, True once the vacuum ran (its WAL keeps copies until recycled)."""
        if self.is_sqlite:
            with self._write_lock:
                raw = self.write_engine.raw_connection()
                try:
                    conn = raw.driver_connection
                    conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
                    try:
                        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    finally:
                        conn.execute("PRAGMA busy_timeout=15000")
                finally:
                    raw.close()
            return busy == 0
        names = ", ".join(tables) if tables else ""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM {names}"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
