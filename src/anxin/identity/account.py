"""The account itself: checking the password again, sessions, erasing the person.

Erasure keeps the user row (ledger accounts and the journal still name its id, and the
journal is kept for legal retention) but nothing in it identifies the person any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from anxin.core.clock import isoformat
from anxin.core.errors import Forbidden
from anxin.identity import tables as t
from anxin.identity.service import Identity, User

ERASED_NAME = "已注销用户 Deleted user"
# Not an argon2 hash, so no password can ever match it again.
NO_PASSWORD = "!erased"


@dataclass(frozen=True, slots=True)
class Login:
    """One session: when it was opened, from where, until when."""

    at: str
    ip: str | None
    expires_at: str
    revoked_at: str | None


def require_password(identity: Identity, user_id: str, password: str) -> None:
    """Refuse unless `password` is the user's: destructive steps ask for it again."""
    if not identity.check_password(user_id, password):
        raise Forbidden("that password is not right", field="password")


def sessions(conn: Connection, user_id: str) -> list[Login]:
    """Every session (issued token) of the user, newest first."""
    c = t.tokens.c
    rows = conn.execute(
        select(c.created_at, c.ip, c.expires_at, c.revoked_at)
        .where(c.user_id == user_id)
        .order_by(c.created_at.desc())
    ).all()
    return [
        Login(
            isoformat(r.created_at), r.ip, isoformat(r.expires_at),
            None if r.revoked_at is None else isoformat(r.revoked_at),
        )
        for r in rows
    ]  # fmt: skip


def tombstone(user_id: str) -> str:
    """The username an erased account keeps: unique, and says nothing about the person."""
    return f"deleted-{user_id.lower()}"


def is_erased(user: User) -> bool:
    """Whether the account was closed: nobody can pay it (the money would be stranded)."""
    return user.username == tombstone(user.id)


def erase_identity(conn: Connection, user_id: str, at: int) -> None:
    """Blank the person out of the user row, end every session, forget login addresses.

    Runs in the caller's transaction, so it commits together with the audit row saying so.
    """
    username = conn.execute(select(t.users.c.username).where(t.users.c.id == user_id)).scalar_one()
    conn.execute(
        update(t.users)
        .where(t.users.c.id == user_id)
        .values(
            username=tombstone(user_id), display_name=ERASED_NAME, phone=None, email=None,
            password_hash=NO_PASSWORD, password_changed_at=at,
        )
    )  # fmt: skip
    tokens = t.tokens.c
    conn.execute(
        update(t.tokens)
        .where(tokens.user_id == user_id, tokens.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    conn.execute(update(t.tokens).where(tokens.user_id == user_id).values(ip=None))
    conn.execute(delete(t.login_failures).where(t.login_failures.c.username == username))
    # Login history keeps when and how each attempt ended, not where or on what device.
    events = t.login_events.c
    conn.execute(
        update(t.login_events)
        .where((events.user_id == user_id) | (events.username == username))
        .values(username=tombstone(user_id), ip=None, device_id=None, user_agent=None)
    )
