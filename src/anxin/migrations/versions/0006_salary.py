"""Salary split: a rule per user and one queued split per salary credit.

Revision ID: 0006_salary
Revises: 0002_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_salary"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "salary_rules",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("percent", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_salary_rules_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_salary_rules")),
    )
    op.create_table(
        "salary_splits",
        sa.Column("salary_transfer_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("wallet_id", sa.String(length=26), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("split_transfer_id", sa.String(length=26), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("done_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("salary_transfer_id", name=op.f("pk_salary_splits")),
    )
    with op.batch_alter_table("salary_splits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_salary_splits_pending",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    op.drop_table("salary_splits")
    op.drop_table("salary_rules")
