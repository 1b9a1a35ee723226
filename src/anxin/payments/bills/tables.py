"""Bills tables: billers' ledger accounts, bound accounts, issued bills, payment attempts.

Amounts are BIGINT minor units; instants are BIGINT UTC microseconds; issue and due dates
are calendar dates on the billers' (mainland China) calendar.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    text,
)

from anxin.core.db import metadata

ID = String(26)

biller_accounts = Table(
    "biller_accounts",
    metadata,
    Column("biller", String(32), primary_key=True),
    Column("account_id", ID, ForeignKey("ledger_accounts.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

bill_accounts = Table(
    "bill_accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("biller", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("label", String(64), nullable=True),
    Column("holder", String(64), nullable=False),
    # The first billing period not yet fetched from the biller.
    Column("next_period", String(7), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("removed_at", BigInteger, nullable=True),
    # Binding an account again after removing it revives the row, and with it the history.
    UniqueConstraint("owner_id", "biller", "account_number"),
)

bills = Table(
    "bills",
    metadata,
    Column("id", ID, primary_key=True),
    Column("bill_account_id", ID, ForeignKey("bill_accounts.id"), nullable=False),
    Column("owner_id", ID, nullable=False),
    Column("biller", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("period", String(7), nullable=False),
    Column("bill_number", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("late_fee_bp_per_day", Integer, nullable=False),
    Column("detail", String(200), nullable=False),
    Column("status", String(8), nullable=False),
    Column("payment_id", ID, nullable=True),
    Column("paid_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("bill_account_id", "period"),
    Index("ix_bills_owner_id_status", "owner_id", "status"),
)

bill_payments = Table(
    "bill_payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("users.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("biller", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("bill_id", ID, ForeignKey("bills.id"), nullable=True),
    Column("attempt", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(12), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("request_hash", LargeBinary(32), nullable=False),
    Column("hold_id", ID, nullable=True),
    Column("biller_reference", String(64), nullable=True),
    Column("error", JSON(none_as_null=True), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("owner_id", "idempotency_key"),
    UniqueConstraint("bill_id", "attempt"),
    # The guard against paying a bill twice, however many requests race: at most one
    # attempt per bill that is under way or has succeeded.
    Index(
        "uq_bill_payments_bill_id_live",
        "bill_id",
        unique=True,
        sqlite_where=text("status IN ('started', 'holding', 'paid', 'review', 'waiting')"),
        postgresql_where=text("status IN ('started', 'holding', 'paid', 'review', 'waiting')"),
    ),
    Index("ix_bill_payments_status_updated_at", "status", "updated_at"),
    Index("ix_bill_payments_hold_id", "hold_id"),  # a held payment, found from its hold
)
