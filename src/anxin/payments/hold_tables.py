"""Held payments: a pending ledger transfer waiting for a step-up code, an analyst or a
guardian. The money is held by the ledger; this row says why and who may release it."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table, Text

from anxin.core.db import metadata

holds = Table(
    "payment_holds",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), nullable=False),
    Column("payee_user_id", String(26), nullable=True),
    Column("transfer_id", String(26), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(20), nullable=False),
    # what is held: a payment to a person, or a bill payment (which finishes with the biller)
    Column("purpose", String(10), nullable=False, server_default="person"),
    Column("approver_user_id", String(26), nullable=True),
    Column("event_id", String(200), nullable=True),
    Column("score", Float, nullable=True),
    # sha256 of the one-time code (with the hold id as salt); challenges only
    Column("code_hash", String(64), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("expires_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_payment_holds_user_id_status", "user_id", "status"),
    Index("ix_payment_holds_approver_user_id_status", "approver_user_id", "status"),
    Index("ix_payment_holds_status_expires_at", "status", "expires_at"),
)
