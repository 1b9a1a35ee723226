"""Identity tables: users, issued tokens (so they can be revoked), failed logins, the history
of every login attempt (devices, places, outcomes), and logins waiting for a one-time code."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table

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
    # NULL while a sign-up the risk check doubted waits for its one-time code.
    Column("activated_at", BigInteger, nullable=True),
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

# A login whose password was right but which the risk check steps up: no session until the
# one-time code sent to the account's phone or email comes back (`Identity.verify_login`).
login_challenges = Table(
    "login_challenges",
    metadata,
    Column("id", String(32), primary_key=True),  # unguessable: it is all the client holds
    Column("user_id", String(26), nullable=False),
    Column("code_hash", String(64), nullable=False),  # HMAC with the server key, never the code
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("status", String(10), nullable=False),
    Column("decision", String(10), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("ip", String(45), nullable=False),
    Column("device_id", String(200), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Index("ix_login_challenges_user_id_created_at", "user_id", "created_at"),
)
