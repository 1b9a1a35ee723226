"""Notifications in both languages: a Chinese and an English title and body on every row.

Rows written before held a Chinese title and an English body; each lends its text to the
language it lacked, so an old notification still reads in both rather than as nothing.

Revision ID: 0011_notification_languages
Revises: 0002_payments (where the notifications table was made)
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_notification_languages"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "title", new_column_name="title_zh", existing_type=sa.String(length=200),
            existing_nullable=False,
        )  # fmt: skip
        batch_op.alter_column(
            "body", new_column_name="body_en", existing_type=sa.Text(), existing_nullable=False
        )
        batch_op.add_column(sa.Column("title_en", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("body_zh", sa.Text(), nullable=True))
    op.execute("UPDATE notifications SET title_en = title_zh, body_zh = body_en")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("title_en", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("body_zh", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("body_zh")
        batch_op.drop_column("title_en")
        batch_op.alter_column(
            "body_en", new_column_name="body", existing_type=sa.Text(), existing_nullable=False
        )
        batch_op.alter_column(
            "title_zh", new_column_name="title", existing_type=sa.String(length=200),
            existing_nullable=False,
        )  # fmt: skip
