"""Alembic environment: runs on the connection `Database.upgrade` hands over."""

from __future__ import annotations

from alembic import context

# Importing the table modules registers their tables on the shared metadata.
import anxin.assistant.tables
import anxin.identity.family.tables
import anxin.identity.preference_tables
import anxin.identity.tables
import anxin.ledger.tables
import anxin.notify.tables
import anxin.payments.banks.tables
import anxin.payments.bills.tables
import anxin.payments.fx.tables
import anxin.payments.hold_tables
import anxin.payments.merchants.tables
import anxin.payments.schedules.tables
import anxin.payments.tables
import anxin.privacy.tables
import anxin.risk.case_tables
import anxin.risk.tables  # noqa: F401
from anxin.core.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand lands here
    raise RuntimeError("run migrations through `anxin db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
