"""Ledger tables. Amounts are BIGINT minor units; times are BIGINT UTC microseconds.

The account row holds TigerBeetle's four running totals (debits/credits, posted/pending), so
balance and available balance are read without summing anything. `ledger_entries` is the
append-only journal: one row per posted leg, carrying the account's balance after it and a
hash chained to the account's previous entry.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    text,
)

from anxin.core.db import metadata

ID = String(26)
PERSONAL_KINDS_SQL = "kind IN ('wallet', 'savings', 'investment')"

accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("owner_id", ID, nullable=True, index=True),
    Column("kind", String(32), nullable=False),
    Column("no_overdraft", Boolean, nullable=False),
    Column("meta", JSON(none_as_null=True), nullable=True),
    Column("debits_posted", BigInteger, nullable=False),
    Column("credits_posted", BigInteger, nullable=False),
    Column("debits_pending", BigInteger, nullable=False),
    Column("credits_pending", BigInteger, nullable=False),
    Column("entry_count", BigInteger, nullable=False),
    Column("head_hash", LargeBinary(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # A person has one wallet (and one savings, one investment account) per currency,
    # however many requests race to open it.
    Index(
        "uq_ledger_accounts_personal",
        "owner_id",
        "kind",
        "currency",
        unique=True,
        sqlite_where=text(PERSONAL_KINDS_SQL),
        postgresql_where=text(PERSONAL_KINDS_SQL),
    ),
    # The house has one account per system kind and currency (FX liquidity, fee income...).
    Index(
        "uq_ledger_accounts_system",
        "kind",
        "currency",
        unique=True,
        sqlite_where=text("kind LIKE 'system:%'"),
        postgresql_where=text("kind LIKE 'system:%'"),
    ),
)

transfers = Table(
    "ledger_transfers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("debit_account_id", ID, ForeignKey("ledger_accounts.id"), nullable=False, index=True),
    Column("credit_account_id", ID, ForeignKey("ledger_accounts.id"), nullable=False, index=True),
    Column("amount", BigInteger, nullable=False),
    Column("posted_amount", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("status", String(8), nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("batch_id", ID, nullable=True),
    Column("reverses_id", ID, nullable=True),
    Column("meta", JSON(none_as_null=True), nullable=True),
    Column("effective_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Index(
        "ix_ledger_transfers_pending_expiry",
        "expires_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index(
        "ix_ledger_transfers_reverses_id",
        "reverses_id",
        sqlite_where=text("reverses_id IS NOT NULL"),
        postgresql_where=text("reverses_id IS NOT NULL"),
    ),
)

entries = Table(
    "ledger_entries",
    metadata,
    Column("account_id", ID, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("account_seq", BigInteger, nullable=False),
    Column("transfer_id", ID, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("effective_at", BigInteger, nullable=False),
    Column("recorded_at", BigInteger, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    PrimaryKeyConstraint("account_id", "account_seq"),
    Index("ix_ledger_entries_account_id_recorded_at", "account_id", "recorded_at"),
)

idempotency = Table(
    "ledger_idempotency",
    metadata,
    Column("scope", String(40), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", LargeBinary(32), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("result", JSON, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    PrimaryKeyConstraint("scope", "key"),
)
