"""Privacy: each user's consent per purpose and the append-only privacy audit.

Revision ID: 0009_privacy
Revises: 0001 (a branch of its own: `Database.upgrade` applies every head)
"""

import sqlalchemy as sa
from alembic import op

from anxin.migrations.append_only import drop_append_only, make_append_only

revision = "0009_privacy"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_consents",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_privacy_consents_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "purpose", name=op.f("pk_privacy_consents")),
    )
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_audit")),
    )
    with op.batch_alter_table("privacy_audit", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_audit_user_id_at", ["user_id", "at"], unique=False)
    make_append_only("privacy_audit")


def downgrade() -> None:
    drop_append_only("privacy_audit")
    op.drop_table("privacy_audit")
    op.drop_table("privacy_consents")
