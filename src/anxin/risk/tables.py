"""Risk tables: the hash-chained decision log, and the block/allow lists with their audit.

Times are BIGINT UTC microseconds, as everywhere in Anxin. `risk_decisions` and
`risk_list_audit` are append-only, enforced by triggers (migration 0002_risk); the decision
log's chain additionally makes an edit that bypasses the triggers detectable.
The feature snapshot and reason codes are stored as the exact canonical JSON text that was
hashed, so verifying never depends on how a driver round-trips JSON.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from anxin.core.db import metadata

decisions = Table(
    "risk_decisions",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(200), nullable=False, index=True),
    Column("event_type", String(16), nullable=False),
    Column("user_id", String(200), nullable=False),
    Column("event_at", BigInteger, nullable=False),
    Column("logged_at", BigInteger, nullable=False),
    Column("decision", String(10), nullable=False),
    Column("score", Float, nullable=False),
    Column("ruleset", String(100), nullable=False),
    Column("model", String(40), nullable=True),
    Column("reasons", Text, nullable=False),
    Column("features", Text, nullable=False),
    Column("prev_hash", LargeBinary(32), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    Index("ix_risk_decisions_user_id_event_at", "user_id", "event_at"),
)

list_entries = Table(
    "risk_list_entries",
    metadata,
    Column("list", String(5), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("value", String(200), nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("note", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("added_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("list", "kind", "value"),
)

list_audit = Table(
    "risk_list_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(8), nullable=False),
    Column("list", String(5), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("value", String(200), nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("note", Text, nullable=False),
)
