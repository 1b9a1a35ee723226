"""Assistant tables: one live dialogue per user, its transcript (with consent), handovers."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from anxin.core.db import metadata

sessions = Table(
    "assistant_sessions",
    metadata,
    Column("user_id", String(26), ForeignKey("users.id"), primary_key=True),
    Column("session_id", String(26), nullable=False, unique=True),
    # DialogueState.to_json(): the half-finished task survives a restart
    Column("state", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

turns = Table(
    "assistant_turns",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("session_id", String(26), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("role", String(10), nullable=False),  # "user" or "assistant"
    Column("text", Text, nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_assistant_turns_user_at", "user_id", "at"),
)

handovers = Table(
    "assistant_handovers",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False, index=True),
    Column("session_id", String(26), nullable=False),
    Column("question", Text, nullable=False),
    Column("lang", String(2), nullable=False),
    Column("faq_id", String(40), nullable=True),
    Column("confidence", Float, nullable=True),
    Column("status", String(10), nullable=False),  # "waiting" until an agent picks it up
    Column("created_at", BigInteger, nullable=False),
)
