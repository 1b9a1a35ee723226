"""Assistant: dialogue sessions, transcripts (kept only with consent), handovers to a person.

Revision ID: 0008_assistant
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_assistant"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant_sessions",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assistant_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_assistant_sessions")),
        sa.UniqueConstraint("session_id", name=op.f("uq_assistant_sessions_session_id")),
    )
    op.create_table(
        "assistant_turns",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assistant_turns_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_turns")),
    )
    op.create_index("ix_assistant_turns_user_at", "assistant_turns", ["user_id", "at"])
    op.create_table(
        "assistant_handovers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("faq_id", sa.String(length=40), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assistant_handovers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_handovers")),
    )
    op.create_index(op.f("ix_assistant_handovers_user_id"), "assistant_handovers", ["user_id"])


def downgrade() -> None:
    op.drop_table("assistant_handovers")
    op.drop_index("ix_assistant_turns_user_at", table_name="assistant_turns")
    op.drop_table("assistant_turns")
    op.drop_table("assistant_sessions")
