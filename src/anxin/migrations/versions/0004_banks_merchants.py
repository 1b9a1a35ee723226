"""Banks and merchants: linked cards, bank orders, withdrawal quotes, merchants, their
trades and daily settlements.

Revision ID: 0004_banks_merchants
Revises: 0002_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_banks_merchants"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_cards",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("verify_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("verified_at", sa.BigInteger(), nullable=True),
        sa.Column("removed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_bank_cards_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_cards")),
    )
    with op.batch_alter_table("bank_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_cards_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_bank_cards_live",
            ["owner_id", "fingerprint"],
            unique=True,
            sqlite_where=sa.text("status <> 'removed'"),
            postgresql_where=sa.text("status <> 'removed'"),
        )

    op.create_table(
        "bank_orders",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("card_id", sa.String(length=26), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("transfer_id", sa.String(length=26), nullable=False),
        sa.Column("fee_transfer_id", sa.String(length=26), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.BigInteger(), nullable=True),
        sa.Column("deadline_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["bank_cards.id"], name=op.f("fk_bank_orders_card_id_bank_cards")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_bank_orders_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_orders")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_bank_orders_transfer_id")),
    )
    with op.batch_alter_table("bank_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_orders_owner_id_kind_created_at",
            ["owner_id", "kind", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_bank_orders_waiting",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "merchants",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("payout_card_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_merchants_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["payout_card_id"],
            ["bank_cards.id"],
            name=op.f("fk_merchants_payout_card_id_bank_cards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
        sa.UniqueConstraint("account_id", name=op.f("uq_merchants_account_id")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_merchants_owner_id_name")),
    )
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchants_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "withdrawal_quotes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("card_id", sa.String(length=26), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["bank_cards.id"], name=op.f("fk_withdrawal_quotes_card_id_bank_cards")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_withdrawal_quotes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_quotes")),
    )
    with op.batch_alter_table("withdrawal_quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawal_quotes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "merchant_settlements",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("merchant_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_settlements_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_settlements")),
        sa.UniqueConstraint(
            "merchant_id", "day", name=op.f("uq_merchant_settlements_merchant_id_day")
        ),
    )
    op.create_table(
        "merchant_trades",
        sa.Column("transfer_id", sa.String(length=26), nullable=False),
        sa.Column("merchant_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("payment_id", sa.String(length=26), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("payer_id", sa.String(length=26), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_merchant_trades_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_merchant_trades")),
    )
    with op.batch_alter_table("merchant_trades", schema=None) as batch_op:
        batch_op.create_index("ix_merchant_trades_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_merchant_trades_merchant_id_created_at", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_merchant_trades_payment_id", ["payment_id"], unique=False)
        batch_op.create_index(
            "uq_merchant_trades_order",
            ["merchant_id", "order_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'payment' AND order_id IS NOT NULL"),
            postgresql_where=sa.text("kind = 'payment' AND order_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("merchant_trades", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_merchant_trades_order",
            sqlite_where=sa.text("kind = 'payment' AND order_id IS NOT NULL"),
            postgresql_where=sa.text("kind = 'payment' AND order_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_merchant_trades_payment_id")
        batch_op.drop_index("ix_merchant_trades_merchant_id_created_at")
        batch_op.drop_index("ix_merchant_trades_created_at")

    op.drop_table("merchant_trades")
    op.drop_table("merchant_settlements")
    with op.batch_alter_table("withdrawal_quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawal_quotes_user_id"))

    op.drop_table("withdrawal_quotes")
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchants_owner_id"))

    op.drop_table("merchants")
    with op.batch_alter_table("bank_orders", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_bank_orders_waiting",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_bank_orders_owner_id_kind_created_at")

    op.drop_table("bank_orders")
    with op.batch_alter_table("bank_cards", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bank_cards_live",
            sqlite_where=sa.text("status <> 'removed'"),
            postgresql_where=sa.text("status <> 'removed'"),
        )
        batch_op.drop_index(batch_op.f("ix_bank_cards_owner_id"))

    op.drop_table("bank_cards")
