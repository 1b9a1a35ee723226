"""Bill payments and phone top-ups can wait for a step-up code or a review, like transfers.

A hold now says what it holds (`purpose`: a payment to a person, or a bill payment), a
bill payment waiting on one (`waiting`) counts as live, so the bill cannot be paid twice
while it waits, and a bill payment is found from its hold's transfer by an index.

Revision ID: 0012_held_bills
Revises: 0003_bills_schedules (bill_payments), 0007_risk_cases (payment_holds)
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_held_bills"
down_revision = "0003_bills_schedules"
branch_labels = None
depends_on = ("0007_risk_cases",)

OLD_LIVE = "status IN ('started', 'holding', 'paid', 'review')"
NEW_LIVE = "status IN ('started', 'holding', 'paid', 'review', 'waiting')"


def _live_index(where: str) -> None:
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_bill_payments_bill_id_live", ["bill_id"], unique=True,
            sqlite_where=sa.text(where), postgresql_where=sa.text(where),
        )  # fmt: skip


def _drop_live_index(where: str) -> None:
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bill_payments_bill_id_live",
            sqlite_where=sa.text(where), postgresql_where=sa.text(where),
        )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("payment_holds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=10), nullable=False, server_default="person")
        )
    _drop_live_index(OLD_LIVE)
    _live_index(NEW_LIVE)
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.create_index("ix_bill_payments_hold_id", ["hold_id"])


def downgrade() -> None:
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_payments_hold_id")
    _drop_live_index(NEW_LIVE)
    _live_index(OLD_LIVE)
    with op.batch_alter_table("payment_holds", schema=None) as batch_op:
        batch_op.drop_column("purpose")
