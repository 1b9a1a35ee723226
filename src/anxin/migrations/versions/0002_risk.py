"""Risk: the hash-chained decision log, block/allow lists and their audit trail.

The decision log and the list audit are made append-only in the database itself.

Revision ID: 0002_risk
Revises: 0001 (a branch of its own: `Database.upgrade` applies every head)
"""

import sqlalchemy as sa
from alembic import op

from anxin.migrations.append_only import drop_append_only, make_append_only

revision = "0002_risk"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("risk_decisions", "risk_list_audit")


def upgrade() -> None:
    op.create_table(
        "risk_decisions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("event_at", sa.BigInteger(), nullable=False),
        sa.Column("logged_at", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_risk_decisions")),
    )
    with op.batch_alter_table("risk_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_decisions_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_risk_decisions_user_id_event_at", ["user_id", "event_at"], unique=False
        )

    op.create_table(
        "risk_list_entries",
        sa.Column("list", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("list", "kind", "value", name=op.f("pk_risk_list_entries")),
    )
    op.create_table(
        "risk_list_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("list", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_list_audit")),
    )
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    op.drop_table("risk_list_audit")
    op.drop_table("risk_list_entries")
    with op.batch_alter_table("risk_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_decisions_user_id_event_at")
        batch_op.drop_index(batch_op.f("ix_risk_decisions_event_id"))
    op.drop_table("risk_decisions")
