"""Identity tables: users, issued tokens (so they can be revoked), failed logins, and the
history of every login attempt (devices, places, outcomes)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from anxin.core.db import metadata

users = Table(
    "users",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("phone", String(20), nullable=True, unique=True),
    Column("email", String(254), nullable=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("password_changed_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

tokens = Table(
    "auth_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("ip", String(45), nullable=True),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("ip", String(45), nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_login_failures_username_at", "username", "at"),
    Index("ix_login_failures_ip_at", "ip", "at"),
)

login_events = Table(
    "login_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(26), nullable=True),
    Column("username", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("ip", String(45), nullable=True),
    Column("device_id", String(200), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("decision", String(10), nullable=True),
    Index("ix_login_events_user_id_at", "user_id", "at"),
)
