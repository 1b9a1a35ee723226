"""Delivering the outbox: each notification to the channels its user chose, once.

The in-app inbox needs no delivery (the row is the message). Email and SMS are tried in the
background; a channel that fails is retried with exponential backoff, and after
`MAX_ATTEMPTS` the notification is closed with its last error so one bad address never
blocks the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.identity.preferences import Language
from anxin.notify import tables as t
from anxin.notify.channels import IN_APP, Channel, ChannelError, Outgoing
from anxin.notify.preferences import CODE, MARKETING, channels_for, preferences_of
from anxin.notify.service import languages, marketing_allowed, texts

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 30
LEASE_SECONDS = 120  # a dispatcher that dies mid-delivery frees its message after this
ROUND = 100
"""Messages one round delivers: a round is two short write transactions, whatever its size."""

Recipient = Callable[[str], tuple[str, str | None, str | None]]
"""user id -> (display name, email, phone): how the dispatcher finds where to send."""


def dispatch_pending(
    db: Database, clock: Clock, channels: Sequence[Channel], recipient: Recipient,
    limit: int = ROUND,
) -> int:  # fmt: skip
    """Deliver up to `limit` due notifications; returns how many were claimed (closed, or
    left to retry later), so `limit` means there may be more.

    One write claims the whole round and one write records its outcome, so delivery costs
    the posting path two short transactions a round, not two per message.
    """
    now = to_micros(clock.now())
    claimed = _claim(db, now, limit)
    if not claimed:
        return 0
    users = {row["user_id"] for row in claimed}
    with db.read() as conn:
        wanted = preferences_of(conn, users)
        reads = languages(conn, users)
        for user_id in {row["user_id"] for row in claimed if row["category"] == MARKETING}:
            # Opted out after the offer was queued: it is not sent anywhere beyond the inbox.
            if not marketing_allowed(conn, user_id):
                wanted[user_id] = {**wanted[user_id], MARKETING: ()}
        addresses = {user_id: recipient(user_id) for user_id in users}  # joins this read
    outcomes = [
        _deliver(
            row, wanted[row["user_id"]], channels, addresses[row["user_id"]],
            reads[row["user_id"]], now,
        )
        for row in claimed
    ]  # fmt: skip
    with db.write() as conn:
        conn.execute(
            update(t.notifications).where(t.notifications.c.id == bindparam("_id")).values(
                attempts=bindparam("attempts"), last_error=bindparam("last_error"),
                dispatched_at=bindparam("dispatched_at"),
                next_attempt_at=bindparam("next_attempt_at"),
            ),
            outcomes,
        )  # fmt: skip
    return len(outcomes)


def _claim(db: Database, now: int, limit: int) -> list[dict[str, Any]]:
    """Take due messages for this dispatcher; several processes may dispatch at once.

    One-time codes go first: a payment waits for its code for minutes at most, and behind a
    busy hour's receipts it would arrive too late."""
    c = t.notifications.c
    due = (
        select(c.id)
        .where(c.dispatched_at.is_(None))
        .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
        .order_by(c.category != CODE, c.created_at)
        .limit(limit)
    )
    with db.read() as conn:
        # Most rounds find nothing: a read says so without taking the write lock.
        if conn.execute(due.limit(1)).first() is None:
            return []
    with db.write() as conn:
        rows = conn.execute(
            update(t.notifications)
            .where(c.id.in_(due.scalar_subquery()), c.dispatched_at.is_(None))
            .where(or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
            .values(next_attempt_at=now + LEASE_SECONDS * 1_000_000)
            .returning(
                c.id, c.user_id, c.category, c.title_zh, c.body_zh, c.title_en, c.body_en,
                c.attempts,
            )
        ).all()  # fmt: skip
    return [row._asdict() for row in rows]


def _deliver(
    row: dict[str, Any], chosen: dict[str, tuple[str, ...]], channels: Sequence[Channel],
    address: tuple[str, str | None, str | None], lang: Language, now: int,
) -> dict[str, Any]:  # fmt: skip
    """Send one message, in the recipient's language, to its channels; the row update that
    records what happened."""
    wanted = channels_for(row["category"], chosen)
    name, email, phone = address
    message = Outgoing(name, email, phone, *texts(row, lang))
    errors = []
    for channel in channels:
        if channel.name in wanted and channel.name != IN_APP and channel.can_reach(message):
            try:
                channel.send(message)
            except ChannelError as exc:
                errors.append(str(exc))
    attempts = row["attempts"] + 1
    done = not errors or attempts >= MAX_ATTEMPTS
    retry_at = now + BASE_BACKOFF_SECONDS * 1_000_000 * 2 ** (attempts - 1)
    return {
        "_id": row["id"], "attempts": attempts, "last_error": "; ".join(errors)[:300] or None,
        "dispatched_at": now if done else None, "next_attempt_at": None if done else retry_at,
    }  # fmt: skip
