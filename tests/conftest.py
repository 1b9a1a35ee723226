"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at ANXIN_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432/test).
Each test gets its own schema, so tests never see each other's rows. Under CI=true an
unreachable PostgreSQL fails the run; elsewhere its tests skip with a one-line reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from anxin.api.app import create_app
from anxin.core.clock import ManualClock
from anxin.core.db import Database
from anxin.core.settings import Settings
from anxin.ledger.service import Ledger

POSTGRES_URL = os.environ.get(
    "ANXIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ADMIN_TOKEN = "test-admin-token"
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@functools.cache
def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per run)."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


def require_backend(backend: str) -> None:
    if backend == "postgresql" and (reason := postgres_unavailable()):
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}", pytrace=False)
        pytest.skip(reason)


class PostgresSchema:
    """A throwaway schema; its URL pins search_path so migrations and queries land in it."""

    def __init__(self) -> None:
        self.name = "t_" + uuid.uuid4().hex[:12]
        self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    require_backend(request.param)
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated by the real Alembic migrations, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "anxin.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migration() -> list[tuple[str, Any, bool]]:
    """The statements the real migrations run on an empty schema, recorded once per session.

    Migrating a schema takes about a second; replaying the recorded statements into each
    test's fresh schema (whose search_path is set by its URL) gives the same tables,
    triggers and rows in a fraction of that.
    """
    require_backend("postgresql")
    schema = PostgresSchema()
    db = Database(schema.url)
    recorded: list[tuple[str, Any, bool]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        recorded.append((statement, params, many))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.upgrade()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.dispose()
        schema.drop()
    return recorded


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty, migrated database on `backend`, as a URL."""
    if backend == "sqlite":
        path = tmp_path / "anxin.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    statements = request.getfixturevalue("postgres_migration")
    schema = PostgresSchema()
    engine = create_engine(schema.url)
    try:
        with engine.begin() as conn:
            cursor = conn.connection.cursor()
            for statement, params, many in statements:
                if many:
                    cursor.executemany(statement, params)
                else:
                    cursor.execute(statement, params or None)
        engine.dispose()
        yield schema.url
    finally:
        engine.dispose()
        schema.drop()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ledger(db: Database, clock: ManualClock) -> Ledger:
    return Ledger(db, clock)


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "admin_token": ADMIN_TOKEN,
        "secret_key": "test-secret",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def client(database_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[TestClient]:
    app = create_app(make_settings(database_url, tmp_path), clock)
    # The cheapest argon2 parameters: sign-ups and logins otherwise dominate the run. The
    # production parameters are tested in test_identity.py.
    app.state.services.identity.hasher = PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
