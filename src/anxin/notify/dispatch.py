"""Delivering the outbox: each notification to the channels its user chose, once.

The in-app inbox needs no delivery (the row is the message). Email and SMS are tried in the
background; a channel that fails is retried with exponential backoff, and after
`MAX_ATTEMPTS` the notification is closed with its last error so one bad address never
blocks the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import or_, select, update

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.notify import tables as t
from anxin.notify.channels import IN_APP, Channel, ChannelError, Outgoing
from anxin.notify.preferences import channels_for, load_preferences

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 30
LEASE_SECONDS = 120  # a dispatcher that dies mid-delivery frees its message after this

Recipient = Callable[[str], tuple[str, str | None, str | None]]
"""user id -> (display name, email, phone): how the dispatcher finds where to send."""


def dispatch_pending(
    db: Database, clock: Clock, channels: Sequence[Channel], recipient: Recipient,
    limit: int = 100,
) -> int:  # fmt: skip
    """Deliver up to `limit` due notifications; returns how many were closed."""
    now = to_micros(clock.now())
    c = t.notifications.c
    with db.read() as conn:
        due = conn.execute(
            select(t.notifications)
            .where(c.dispatched_at.is_(None))
            .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .order_by(c.created_at)
            .limit(limit)
        ).all()
    closed = 0
    for row in due:
        closed += _deliver(db, now, row._asdict(), channels, recipient)
    return closed


def _claim(db: Database, now: int, notification_id: str) -> bool:
    """Take the message for this dispatcher; several processes may dispatch at once."""
    c = t.notifications.c
    with db.write() as conn:
        claimed = conn.execute(
            update(t.notifications)
            .where(c.id == notification_id, c.dispatched_at.is_(None))
            .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .values(next_attempt_at=now + LEASE_SECONDS * 1_000_000)
        )
    return claimed.rowcount == 1


def _deliver(
    db: Database, now: int, row: dict[str, Any], channels: Sequence[Channel],
    recipient: Recipient,
) -> int:  # fmt: skip
    if not _claim(db, now, row["id"]):
        return 0
    with db.read() as conn:
        wanted = channels_for(row["category"], load_preferences(conn, row["user_id"]))
    name, email, phone = recipient(row["user_id"])
    message = Outgoing(name, email, phone, row["title"], row["body"])
    errors = []
    for channel in channels:
        if channel.name in wanted and channel.name != IN_APP and channel.can_reach(message):
            try:
                channel.send(message)
            except ChannelError as exc:
                errors.append(str(exc))
    attempts = row["attempts"] + 1
    done = not errors or attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"attempts": attempts, "last_error": "; ".join(errors)[:300] or None}
    if done:
        values["dispatched_at"] = now
    else:
        values["next_attempt_at"] = now + BASE_BACKOFF_SECONDS * 1_000_000 * 2 ** (attempts - 1)
    with db.write() as conn:
        conn.execute(
            update(t.notifications).where(t.notifications.c.id == row["id"]).values(**values)
        )
    return 1 if done else 0
