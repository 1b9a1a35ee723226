"""Guardian links (parent -> guardian, with the approval limit) and their audit trail.

A parent has at most one guardian at a time (pending or active): one person decides on
held payments, so the parent always knows whose approval they are waiting for. A guardian
may look after several parents. `family_audit` is append-only (triggers in 0010_family).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, text

from anxin.core.db import metadata

LIVE_SQL = "status IN ('pending', 'active')"

links = Table(
    "family_links",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("parent_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("guardian_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("status", String(8), nullable=False),  # pending | active | declined | revoked
    Column("approval_limit", BigInteger, nullable=False),  # minor units of `currency`
    Column("currency", String(3), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("responded_at", BigInteger, nullable=True),
    Column("ended_at", BigInteger, nullable=True),
    Index(
        "uq_family_links_live_parent",
        "parent_id",
        unique=True,
        sqlite_where=text(LIVE_SQL),
        postgresql_where=text(LIVE_SQL),
    ),
    Index("ix_family_links_guardian_id_status", "guardian_id", "status"),
)

audit = Table(
    "family_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", String(26), nullable=False),
    Column("link_id", String(26), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("actor_id", String(26), nullable=False),
    Column("action", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_family_audit_parent_id_at", "parent_id", "at"),
)
