"""Step-up at login and sign-up: a one-time code between a right password and a session.

When the login hooks (the risk check) answer `challenge` or `review`, `Identity.login`
issues no token: it keeps a challenge and has the code sent to the account's phone or email
(`CodeSender`, wired by the app to the notify outbox), and the client finishes with
`Identity.verify_login`. A sign-up the application hooks doubt opens the account inactive
and keeps the same kind of challenge; passing it activates the account and logs it in.
The code is stored only as an HMAC keyed with the server secret, a try is spent before it
is checked (parallel guesses each cost one), the third wrong code or the deadline ends the
challenge, and the challenge id is random, not a time-ordered id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from typing import Any, Final

from sqlalchemy import Connection, insert, select, update

from anxin.core.errors import InvalidInput, InvalidState, NotFound, RateLimited
from anxin.identity.tables import login_challenges as table

MAX_ATTEMPTS: Final = 3
HOURLY: Final = 5
"""Codes one account may be sent in an hour."""
CODE_DIGITS: Final = 6
SECONDS: Final = 300
HOUR: Final = 3600 * 1_000_000
STEP_UP: Final = frozenset({"challenge", "review"})
"""Verdicts that ask for the code: at login nobody can review in time, so a review steps up
too."""
WAITING, PASSED, FAILED = "waiting", "passed", "failed"
LOGIN, SIGN_UP = "login", "sign-up"
"""What a code is for, so its message says so."""

CodeSender = Callable[[Connection, Any, str, int, str], None]
"""(transaction, user, code, minutes it is valid, LOGIN or SIGN_UP): queue the code to the
user's phone or email in the same transaction that keeps the challenge."""


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def digest(key: bytes, challenge_id: str, code: str) -> str:
    return hmac.new(key, f"login:{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def keep(
    conn: Connection, key: bytes, attempt: dict[str, Any], decision: str,
    reasons: list[dict[str, str]], now: int,
) -> tuple[str, str, int]:  # fmt: skip
    """Store a new challenge for `attempt`; (its id, the code to send, when it expires)."""
    challenge_id, code = secrets.token_urlsafe(24), new_code()
    expires = now + SECONDS * 1_000_000
    conn.execute(insert(table), {
        "id": challenge_id, "user_id": attempt["user_id"],
        "code_hash": digest(key, challenge_id, code), "attempts": 0, "status": WAITING,
        "decision": decision, "reasons": reasons, "ip": attempt["ip"],
        "device_id": attempt["device_id"], "user_agent": attempt["user_agent"],
        "created_at": now, "expires_at": expires,
    })  # fmt: skip
    return challenge_id, code, expires


def require_quota(conn: Connection, user_id: str, now: int) -> None:
    """Refuse another code once `HOURLY` went to this account within the hour."""
    c = table.c
    sent = conn.execute(
        select(c.created_at).where(c.user_id == user_id, c.created_at > now - HOUR)
        .order_by(c.created_at)
    ).scalars().all()  # fmt: skip
    if len(sent) >= HOURLY:
        retry = -(-(sent[len(sent) - HOURLY] + HOUR - now) // 1_000_000)
        raise RateLimited("too many codes were sent to this account; try again later",
                          retry_after=retry)  # fmt: skip


def spend_try(conn: Connection, challenge_id: str, now: int) -> Any:
    """Count one try on a live challenge and return it; explain why when there is none."""
    c = table.c
    row = conn.execute(
        update(table)
        .where(c.id == challenge_id, c.status == WAITING, c.attempts < MAX_ATTEMPTS,
               c.expires_at > now)
        .values(attempts=c.attempts + 1)
        .returning(c.user_id, c.code_hash, c.attempts, c.decision, c.ip, c.device_id,
                   c.user_agent)
    ).first()  # fmt: skip
    if row is not None:
        return row
    found = conn.execute(select(c.status, c.expires_at).where(c.id == challenge_id)).first()
    if found is None:
        raise NotFound("there is no such login waiting for a code", field="challenge_id")
    if found.status == PASSED:
        raise InvalidState("this code was already used; log in again", field="challenge_id")
    if found.status == WAITING and found.expires_at <= now:
        raise InvalidState("the code has expired; log in again", field="challenge_id")
    raise InvalidState("no tries are left on this code; log in again", field="challenge_id")


def close(conn: Connection, challenge_id: str, status: str, now: int) -> bool:
    """Mark a waiting challenge passed or failed; False when another request got there first."""
    c = table.c
    done = conn.execute(
        update(table)
        .where(c.id == challenge_id, c.status == WAITING)
        .values(status=status, resolved_at=now)
    )
    return bool(done.rowcount)


def close_all(conn: Connection, user_ids: Sequence[str], status: str, now: int) -> None:
    """Mark every waiting challenge of these accounts `status`."""
    if not user_ids:
        return
    c = table.c
    conn.execute(
        update(table)
        .where(c.user_id.in_(user_ids), c.status == WAITING)
        .values(status=status, resolved_at=now)
    )


def wrong_code(attempts: int) -> InvalidInput | InvalidState:
    """What a wrong code answers: tries left, or that the login must start over."""
    if attempts >= MAX_ATTEMPTS:
        return InvalidState("wrong code three times; log in again", field="challenge_id")
    left = MAX_ATTEMPTS - attempts
    return InvalidInput(f"that code is not right; {left} {'try' if left == 1 else 'tries'} left",
                        field="code")  # fmt: skip
