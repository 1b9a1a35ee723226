"""Payments and notifications: contacts, one wallet per person and currency, the
notification inbox/outbox with channel preferences, and an email address per user.

Revision ID: 0002_payments
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_payments"
down_revision = "0001"
branch_labels = None
depends_on = None

PERSONAL = "kind IN ('wallet', 'savings', 'investment')"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.BigInteger(), nullable=True),
        sa.Column("dispatched_at", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_undispatched",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text("dispatched_at IS NULL"),
            postgresql_where=sa.text("dispatched_at IS NULL"),
        )
        batch_op.create_index(
            "ix_notifications_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "notify_preferences",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "category", name=op.f("pk_notify_preferences")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("owner_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("payee_user_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_contacts_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["payee_user_id"], ["users.id"], name=op.f("fk_contacts_payee_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_contacts_owner_id_name")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"], unique=False)

    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_ledger_accounts_personal",
            ["owner_id", "kind", "currency"],
            unique=True,
            sqlite_where=sa.text(PERSONAL),
            postgresql_where=sa.text(PERSONAL),
        )
        batch_op.create_index(
            "uq_ledger_accounts_system",
            ["kind", "currency"],
            unique=True,
            sqlite_where=sa.text("kind LIKE 'system:%'"),
            postgresql_where=sa.text("kind LIKE 'system:%'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_ledger_accounts_system")
        batch_op.drop_index("uq_ledger_accounts_personal")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_at")
        batch_op.drop_index(
            "ix_notifications_undispatched",
            sqlite_where=sa.text("dispatched_at IS NULL"),
            postgresql_where=sa.text("dispatched_at IS NULL"),
        )

    op.drop_table("notifications")
    op.drop_table("notify_preferences")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
