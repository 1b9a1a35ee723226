"""FX: locked quotes a customer may execute once before they expire.

Revision ID: 0005_fx
Revises: 0002_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_fx"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_quotes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("sell_currency", sa.String(length=3), nullable=False),
        sa.Column("sell_minor", sa.BigInteger(), nullable=False),
        sa.Column("buy_currency", sa.String(length=3), nullable=False),
        sa.Column("buy_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("mid_rate", sa.String(length=40), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_fx_quotes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_quotes")),
    )
    with op.batch_alter_table("fx_quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fx_quotes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("fx_quotes")
