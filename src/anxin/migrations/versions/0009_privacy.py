"""Privacy: each user's consent per purpose and the append-only privacy audit.

Revision ID: 0009_privacy
Revises: 0001 (a branch of its own: `Database.upgrade` applies every head)
"""

import sqlalchemy as sa
from alembic import op

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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION privacy_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'privacy_audit is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER privacy_audit_append_only BEFORE UPDATE OR DELETE ON privacy_audit "
            "FOR EACH ROW EXECUTE FUNCTION privacy_audit_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER privacy_audit_no_{action.lower()} BEFORE {action} "
                "ON privacy_audit BEGIN SELECT RAISE(ABORT, 'privacy_audit is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER privacy_audit_append_only ON privacy_audit")
        op.execute("DROP FUNCTION privacy_audit_append_only()")
    op.drop_table("privacy_audit")
    op.drop_table("privacy_consents")
