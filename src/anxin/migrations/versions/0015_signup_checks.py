"""Sign-ups the risk check steps up wait for a one-time code: `users.activated_at`.

An account opened without doubt is active at once; one the check doubted is active only once
the code sent to its phone or email comes back. Existing accounts were active from the start.

Revision ID: 0015_signup_checks
Revises: 0014_login_challenges
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_signup_checks"
down_revision = "0014_login_challenges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activated_at", sa.BigInteger(), nullable=True))
    op.execute("UPDATE users SET activated_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("activated_at")
