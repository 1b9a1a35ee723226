"""Risk case tables: analyst claims on held payments, labels, and freezes with their audit.

`risk_labels` and `risk_freeze_audit` are append-only (triggers in migration
0007_risk_cases): a label or a freeze, once recorded, is history.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from anxin.core.db import metadata

claims = Table(
    "risk_review_claims",
    metadata,
    Column("hold_id", String(26), primary_key=True),
    Column("analyst", String(100), nullable=False),
    Column("claimed_at", BigInteger, nullable=False),
)

labels = Table(
    "risk_labels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, index=True),
    Column("hold_id", String(26), nullable=True),
    Column("label", String(10), nullable=False),
    Column("analyst", String(100), nullable=False),
    Column("note", Text, nullable=False),
    Column("at", BigInteger, nullable=False),
)

freezes = Table(
    "risk_freezes",
    metadata,
    Column("kind", String(8), nullable=False),
    Column("subject_id", String(26), nullable=False),
    Column("user_id", String(26), nullable=False, index=True),
    Column("actor", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("frozen_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("kind", "subject_id"),
)

freeze_audit = Table(
    "risk_freeze_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(8), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("subject_id", String(26), nullable=False),
    Column("user_id", String(26), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_risk_freeze_audit_user_id_at", "user_id", "at"),
)
