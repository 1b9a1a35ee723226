"""The database: one engine per process, one way to open a transaction, migrations.

SQLite runs in WAL mode with `synchronous=FULL`, so an acknowledged commit survives a power
cut; write transactions start with `BEGIN IMMEDIATE` so that reads inside them see the state
they will write over (SQLite's equivalent of `SELECT ... FOR UPDATE`). SQLite has one writer
at a time, and a writer that finds the lock taken sleeps in growing steps (up to 100 ms)
even after it frees, so the threads of one process take turns on a Python lock first and
are woken the moment the writer before them commits; the busy timeout is then only for
other processes. PostgreSQL keeps its
defaults; callers lock the rows they change.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and drive them with psycopg 3."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """Owns the engine; `write()` and `read()` are the only ways code opens a transaction."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("Anxin needs a SQLite file, not an in-memory database")
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=3600,
            )
        self._readers: Engine = self.engine
        self._open_read = threading.local()
        self._one_writer: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if self.is_sqlite else contextlib.nullcontext()
        )
        if not self.is_sqlite:
            self._readers = create_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=3600,
                isolation_level="REPEATABLE READ",
            )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction, committed on success and rolled back on any error."""
        with self._one_writer, self.engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot: every query inside sees the same committed state.

        SQLite's deferred transaction already is one (WAL); PostgreSQL needs REPEATABLE READ,
        or a multi-query reader such as `verify` could see a transfer's journal entries but
        not its account totals. Its readers have their own pool set to that level once per
        connection, so a read costs no extra round trip to set it.

        A read opened inside another read on the same thread joins it: a payment's checks
        (payee, idempotency, freezes, guardian) then cost one pooled connection and one
        `BEGIN`, and see one state. The joined read does not see what the thread writes in
        the meantime, so code that writes and then reads back must not sit inside an outer
        read; nor may a read stay open across a `yield` that resumes on another thread.
        """
        joined: Connection | None = getattr(self._open_read, "conn", None)
        if joined is not None:
            yield joined
            return
        with self._readers.connect() as conn, conn.begin():
            self._open_read.conn = conn
            try:
                yield conn
            finally:
                self._open_read.conn = None

    def upgrade(self) -> None:
        """Bring the schema to the newest migration of every capability.

        Capabilities add their tables in their own migrations, which may branch from a
        common parent; "heads" applies every branch.
        """
        from alembic import command

        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "heads")

    def dispose(self) -> None:
        self.engine.dispose()
        self._readers.dispose()


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("anxin") / "migrations"))
    config.attributes["connection"] = connection
    return config


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own
    # implicit BEGIN cannot be made IMMEDIATE).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")
