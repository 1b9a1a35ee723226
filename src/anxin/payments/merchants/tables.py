"""Merchant tables: merchants, their trades (payments and refunds), their daily settlements.

A trade row is written in the transaction that posts its ledger transfer and is keyed by the
transfer id, so it is the ledger's index by merchant: statements, settlement and
reconciliation read trades here and amounts from the ledger.
"""

from __future__ import annotations

from sqlalchemy import (
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

ID = String(26)
PAYMENT, REFUND = "payment", "refund"  # the two kinds of trade

merchants = Table(
    "merchants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("account_id", ID, nullable=False, unique=True),
    Column("payout_card_id", ID, ForeignKey("bank_cards.id"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("owner_id", "name"),
)

trades = Table(
    "merchant_trades",
    metadata,
    Column("transfer_id", ID, primary_key=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("payment_id", ID, nullable=True),
    Column("order_id", String(64), nullable=True),
    Column("payer_id", ID, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_merchant_trades_merchant_id_created_at", "merchant_id", "created_at"),
    Index("ix_merchant_trades_created_at", "created_at"),
    Index("ix_merchant_trades_payment_id", "payment_id"),
    # A merchant's order is paid once, whoever scans its code and however often.
    Index(
        "uq_merchant_trades_order",
        "merchant_id",
        "order_id",
        unique=True,
        sqlite_where=text("kind = 'payment' AND order_id IS NOT NULL"),
        postgresql_where=text("kind = 'payment' AND order_id IS NOT NULL"),
    ),
)

settlements = Table(
    "merchant_settlements",
    metadata,
    Column("id", ID, primary_key=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False),
    Column("day", String(10), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("order_id", ID, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("merchant_id", "day"),
)
