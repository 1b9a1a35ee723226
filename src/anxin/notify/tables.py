"""Notifications: the in-app inbox, which is also the outbox other channels are fed from."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from anxin.core.db import metadata

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), nullable=False),
    Column("category", String(32), nullable=False),
    # Every notification in both languages; each reader is shown, and sent, their own.
    Column("title_zh", String(200), nullable=False),
    Column("body_zh", Text, nullable=False),
    Column("title_en", String(200), nullable=False),
    Column("body_en", Text, nullable=False),
    Column("data", JSON(none_as_null=True), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("read_at", BigInteger, nullable=True),
    # Set once every external channel (email, SMS) has been handed the message (or has
    # failed for good); until then the dispatcher retries with backoff.
    Column("dispatched_at", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=True),
    Column("last_error", String(300), nullable=True),
    Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    Index(
        "ix_notifications_undispatched",
        "created_at",
        sqlite_where=text("dispatched_at IS NULL"),
        postgresql_where=text("dispatched_at IS NULL"),
    ),
)

preferences = Table(
    "notify_preferences",
    metadata,
    Column("user_id", String(26), nullable=False),
    Column("category", String(32), nullable=False),
    Column("channels", JSON, nullable=False),
    PrimaryKeyConstraint("user_id", "category"),
)
