"""Privacy tables: each user's consent per purpose and the append-only privacy audit.

`privacy_audit` is append-only, enforced by triggers (migration 0009_privacy): it is the
record a user or a regulator reads to see who changed what, so nothing may rewrite it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from anxin.core.db import metadata

consents = Table(
    "privacy_consents",
    metadata,
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_id", "purpose"),
)

audit = Table(
    "privacy_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(26), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_privacy_audit_user_id_at", "user_id", "at"),
)
