"""Payments tables: contacts (each pointing at another Anxin user) and salary splits."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)

from anxin.core.db import metadata

contacts = Table(
    "contacts",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("owner_id", String(26), ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("payee_user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("owner_id", "name"),
)

salary_rules = Table(
    "salary_rules",
    metadata,
    Column("user_id", String(26), ForeignKey("users.id"), primary_key=True),
    Column("percent", String(12), nullable=False),
    Column("target", String(16), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

salary_splits = Table(
    "salary_splits",
    metadata,
    # One split per salary credit: the primary key is what makes it happen exactly once.
    Column("salary_transfer_id", String(26), primary_key=True),
    Column("user_id", String(26), nullable=False),
    Column("wallet_id", String(26), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("target", String(16), nullable=False),
    Column("status", String(8), nullable=False),
    Column("split_transfer_id", String(26), nullable=True),
    Column("detail", String(300), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("done_at", BigInteger, nullable=True),
    Index(
        "ix_salary_splits_pending",
        "created_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)
