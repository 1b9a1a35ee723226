"""Schedules and their runs. Amounts are BIGINT minor units; instants BIGINT UTC microseconds.

A run is one occurrence of a schedule, keyed by (schedule, occurrence date): the worker
inserts it once, claims it with a conditional update, and records how it ended.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anxin.core.db import metadata

ID = String(26)

schedules = Table(
    "schedules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("description", String(140), nullable=True),
    Column("status", String(12), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("starts_at", BigInteger, nullable=False),
    # Occurrences up to this instant have been turned into runs.
    Column("planned_through", BigInteger, nullable=False),
    # p2p: an RRULE, the contact and the amount.
    Column("rrule", Text, nullable=True),
    Column("contact_id", ID, nullable=True),
    Column("amount", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("note", String(140), nullable=True),
    # bill_autopay: the bound biller account, when to pay, and an optional cap.
    Column("bill_account_id", ID, ForeignKey("bill_accounts.id"), nullable=True),
    Column("autopay_when", String(12), nullable=True),
    Column("days_before_due", Integer, nullable=True),
    Column("max_amount", BigInteger, nullable=True),
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", LargeBinary(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("cancelled_at", BigInteger, nullable=True),
    UniqueConstraint("owner_id", "idempotency_key"),
    Index("ix_schedules_status", "status"),
)

schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("schedule_id", ID, ForeignKey("schedules.id"), nullable=False),
    Column("occurrence", String(10), nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("bill_id", ID, nullable=True),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("lease_until", BigInteger, nullable=True),
    Column("transfer_id", ID, nullable=True),
    Column("payment_id", ID, nullable=True),
    Column("error", JSON(none_as_null=True), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    UniqueConstraint("schedule_id", "occurrence"),
    Index("ix_schedule_runs_status_next_attempt_at", "status", "next_attempt_at"),
)
