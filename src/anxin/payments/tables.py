"""Payments tables: a user's contacts, each pointing at another Anxin user."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table, UniqueConstraint

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
