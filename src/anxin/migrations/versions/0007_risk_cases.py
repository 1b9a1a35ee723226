"""Risk cases: held payments, analyst claims and labels, freezes with their audit, and the
login history.

Labels and the freeze audit are made append-only in the database itself.

Revision ID: 0007_risk_cases
Revises: 0002_risk (needs 0002_payments too)
"""

import sqlalchemy as sa
from alembic import op

from anxin.migrations.append_only import drop_append_only, make_append_only

revision = "0007_risk_cases"
down_revision = "0002_risk"
branch_labels = None
depends_on = ("0002_payments",)

APPEND_ONLY = ("risk_labels", "risk_freeze_audit")


def upgrade() -> None:
    op.create_table(
        "payment_holds",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("payee_user_id", sa.String(length=26), nullable=True),
        sa.Column("transfer_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("approver_user_id", sa.String(length=26), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_holds")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_payment_holds_transfer_id")),
    )
    with op.batch_alter_table("payment_holds", schema=None) as batch_op:
        batch_op.create_index("ix_payment_holds_user_id_status", ["user_id", "status"])
        batch_op.create_index(
            "ix_payment_holds_approver_user_id_status", ["approver_user_id", "status"]
        )
        batch_op.create_index("ix_payment_holds_status_expires_at", ["status", "expires_at"])
    op.create_table(
        "risk_review_claims",
        sa.Column("hold_id", sa.String(length=26), nullable=False),
        sa.Column("analyst", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hold_id", name=op.f("pk_risk_review_claims")),
    )
    op.create_table(
        "risk_labels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("hold_id", sa.String(length=26), nullable=True),
        sa.Column("label", sa.String(length=10), nullable=False),
        sa.Column("analyst", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_labels")),
    )
    with op.batch_alter_table("risk_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_labels_event_id"), ["event_id"])
    op.create_table(
        "risk_freezes",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("frozen_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject_id", name=op.f("pk_risk_freezes")),
    )
    with op.batch_alter_table("risk_freezes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_freezes_user_id"), ["user_id"])
    op.create_table(
        "risk_freeze_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_freeze_audit")),
    )
    with op.batch_alter_table("risk_freeze_audit", schema=None) as batch_op:
        batch_op.create_index("ix_risk_freeze_audit_user_id_at", ["user_id", "at"])
    op.create_table(
        "login_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_events")),
    )
    with op.batch_alter_table("login_events", schema=None) as batch_op:
        batch_op.create_index("ix_login_events_user_id_at", ["user_id", "at"])
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in (
        "login_events", "risk_freeze_audit", "risk_freezes", "risk_labels",
        "risk_review_claims", "payment_holds",
    ):  # fmt: skip
        op.drop_table(table)
