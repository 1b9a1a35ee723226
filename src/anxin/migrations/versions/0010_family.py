"""Identity: display preferences (elder mode, language) and family guardians with their audit.

The family audit is made append-only in the database itself.

Revision ID: 0010_family
Revises: 0001 (a branch of its own: `Database.upgrade` applies every head)
"""

import sqlalchemy as sa
from alembic import op

from anxin.migrations.append_only import drop_append_only, make_append_only

revision = "0010_family"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE_SQL = "status IN ('pending', 'active')"


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("elder_mode", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_preferences_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_preferences")),
    )
    op.create_table(
        "family_links",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("parent_id", sa.String(length=26), nullable=False),
        sa.Column("guardian_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("approval_limit", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("responded_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["users.id"], name=op.f("fk_family_links_parent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["users.id"], name=op.f("fk_family_links_guardian_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_links")),
    )
    with op.batch_alter_table("family_links", schema=None) as batch_op:
        batch_op.create_index(
            "uq_family_links_live_parent",
            ["parent_id"],
            unique=True,
            sqlite_where=sa.text(LIVE_SQL),
            postgresql_where=sa.text(LIVE_SQL),
        )
        batch_op.create_index(
            "ix_family_links_guardian_id_status", ["guardian_id", "status"], unique=False
        )
    op.create_table(
        "family_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.String(length=26), nullable=False),
        sa.Column("link_id", sa.String(length=26), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.String(length=26), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_audit")),
    )
    with op.batch_alter_table("family_audit", schema=None) as batch_op:
        batch_op.create_index("ix_family_audit_parent_id_at", ["parent_id", "at"], unique=False)
    make_append_only("family_audit")


def downgrade() -> None:
    drop_append_only("family_audit")
    op.drop_table("family_audit")
    op.drop_table("family_links")
    op.drop_table("user_preferences")
