"""Top-ups and withdrawals can wait for a step-up code or a review, like transfers.

A held order remembers the leg its risk hold was placed on: clearing the hold moves the
order to fresh legs on the bank's clock, and the held leg still finds it.

Revision ID: 0013_held_bank_orders
Revises: 0004_banks_merchants (bank_orders), 0012_held_bills (payment_holds.purpose)
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_held_bank_orders"
down_revision = "0004_banks_merchants"
branch_labels = None
depends_on = ("0012_held_bills",)


def upgrade() -> None:
    with op.batch_alter_table("bank_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_transfer_id", sa.String(length=26), nullable=True))
        batch_op.create_unique_constraint("uq_bank_orders_held_transfer_id", ["held_transfer_id"])


def downgrade() -> None:
    with op.batch_alter_table("bank_orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bank_orders_held_transfer_id", type_="unique")
        batch_op.drop_column("held_transfer_id")
