"""Bank tables: linked cards, orders sent to banks, and withdrawal quotes.

A card row keeps the connector's token and the last four digits, never the number; its
fingerprint (a keyed hash of the number) only lets one person not link the same card twice.
An order row is written in the transaction that places the ledger hold it describes, so a
hold never exists without the order that will settle or release it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)

from anxin.core.db import metadata

ID = String(26)

cards = Table(
    "bank_cards",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("bank", String(32), nullable=False),
    Column("token", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("holder_name", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("verify_attempts", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("verified_at", BigInteger, nullable=True),
    Column("removed_at", BigInteger, nullable=True),
    # One live link per person and card; a removed card may be linked again.
    Index(
        "uq_bank_cards_live",
        "owner_id",
        "fingerprint",
        unique=True,
        sqlite_where=text("status <> 'removed'"),
        postgresql_where=text("status <> 'removed'"),
    ),
)

orders = Table(
    "bank_orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False),
    Column("card_id", ID, ForeignKey("bank_cards.id"), nullable=False),
    Column("account_id", ID, nullable=False),
    Column("transfer_id", ID, nullable=False, unique=True),
    Column("fee_transfer_id", ID, nullable=True),
    # The leg a risk hold was placed on; clearing the hold moves the order to fresh legs.
    Column("held_transfer_id", ID, nullable=True, unique=True),
    Column("amount", BigInteger, nullable=False),
    Column("fee", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bank", String(32), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reference", String(64), nullable=True),
    Column("reason", String(200), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("submitted_at", BigInteger, nullable=True),
    Column("deadline_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    # The settle step's work list: only orders still waiting for the bank.
    Index(
        "ix_bank_orders_waiting",
        "created_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_bank_orders_owner_id_kind_created_at", "owner_id", "kind", "created_at"),
)

quotes = Table(
    "withdrawal_quotes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("card_id", ID, ForeignKey("bank_cards.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("fee", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
