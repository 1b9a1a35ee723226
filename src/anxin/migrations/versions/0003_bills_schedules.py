"""Bills and schedules: billers' ledger accounts, bound accounts, bills, bill payments
(one live payment per bill), schedules and their runs (one per schedule and date).

Revision ID: 0003_bills_schedules
Revises: 0002_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_bills_schedules"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bill_accounts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("biller", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("next_period", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_bill_accounts_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_accounts")),
        sa.UniqueConstraint(
            "owner_id",
            "biller",
            "account_number",
            name=op.f("uq_bill_accounts_owner_id_biller_account_number"),
        ),
    )
    with op.batch_alter_table("bill_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_accounts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "biller_accounts",
        sa.Column("biller", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_biller_accounts_account_id_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("biller", name=op.f("pk_biller_accounts")),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("bill_account_id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("biller", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("bill_number", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("late_fee_bp_per_day", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("payment_id", sa.String(length=26), nullable=True),
        sa.Column("paid_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_account_id"],
            ["bill_accounts.id"],
            name=op.f("fk_bills_bill_account_id_bill_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint(
            "bill_account_id", "period", name=op.f("uq_bills_bill_account_id_period")
        ),
    )
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.create_index("ix_bills_owner_id_status", ["owner_id", "status"], unique=False)

    op.create_table(
        "schedules",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=140), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("planned_through", sa.BigInteger(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("contact_id", sa.String(length=26), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=140), nullable=True),
        sa.Column("bill_account_id", sa.String(length=26), nullable=True),
        sa.Column("autopay_when", sa.String(length=12), nullable=True),
        sa.Column("days_before_due", sa.Integer(), nullable=True),
        sa.Column("max_amount", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_account_id"],
            ["bill_accounts.id"],
            name=op.f("fk_schedules_bill_account_id_bill_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_schedules_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint(
            "owner_id", "idempotency_key", name=op.f("uq_schedules_owner_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_schedules_status", ["status"], unique=False)

    op.create_table(
        "bill_payments",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("biller", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("bill_id", sa.String(length=26), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hold_id", sa.String(length=26), nullable=True),
        sa.Column("biller_reference", sa.String(length=64), nullable=True),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_payments_bill_id_bills")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_bill_payments_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_payments")),
        sa.UniqueConstraint("bill_id", "attempt", name=op.f("uq_bill_payments_bill_id_attempt")),
        sa.UniqueConstraint(
            "owner_id", "idempotency_key", name=op.f("uq_bill_payments_owner_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bill_payments_status_updated_at", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(
            "uq_bill_payments_bill_id_live",
            ["bill_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('started', 'holding', 'paid', 'review')"),
            postgresql_where=sa.text("status IN ('started', 'holding', 'paid', 'review')"),
        )

    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("schedule_id", sa.String(length=26), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("bill_id", sa.String(length=26), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=True),
        sa.Column("transfer_id", sa.String(length=26), nullable=True),
        sa.Column("payment_id", sa.String(length=26), nullable=True),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_schedule_runs_schedule_id_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint(
            "schedule_id", "occurrence", name=op.f("uq_schedule_runs_schedule_id_occurrence")
        ),
    )
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedule_runs_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_runs_status_next_attempt_at")

    op.drop_table("schedule_runs")
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bill_payments_bill_id_live",
            sqlite_where=sa.text("status IN ('started', 'holding', 'paid', 'review')"),
            postgresql_where=sa.text("status IN ('started', 'holding', 'paid', 'review')"),
        )
        batch_op.drop_index("ix_bill_payments_status_updated_at")

    op.drop_table("bill_payments")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_status")
        batch_op.drop_index(batch_op.f("ix_schedules_owner_id"))

    op.drop_table("schedules")
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.drop_index("ix_bills_owner_id_status")

    op.drop_table("bills")
    op.drop_table("biller_accounts")
    with op.batch_alter_table("bill_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_accounts_owner_id"))

    op.drop_table("bill_accounts")
