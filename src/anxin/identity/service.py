"""Users, passwords, bearer tokens, login throttling, and sign-ups judged as applications.

Passwords are hashed with argon2id. A token is `payload.signature`: the payload names a
token row and its expiry, the HMAC signature lets forged tokens be refused without a database
read, and the row lets a token be revoked (log out) before it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, bindparam, delete, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from anxin.core.clock import Clock, isoformat, to_micros
from anxin.core.db import Database
from anxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    LoginRefused,
    NotFound,
    RateLimited,
    SignUpRefused,
    StepUpRequired,
    Unauthenticated,
)
from anxin.core.ids import new_id
from anxin.identity import stepup
from anxin.identity import tables as t

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
_PHONE = re.compile(r"^\+?[0-9]{6,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_BAD_LOGIN = "wrong username or password"
OK, BAD_PASSWORD, THROTTLED, BLOCKED = "ok", "bad_password", "throttled", "blocked"
CHALLENGED, BAD_CODE = "challenged", "bad_code"
_RANK: Final = {"allow": 0, "challenge": 1, "review": 2, "block": 3}
PENDING_SECONDS: Final = 24 * 3600
"""How long a doubted sign-up keeps its name and number while it waits for its code."""
_SIGNING_UP: Final = {
    "code": "SIGN_UP_NOT_FINISHED",
    "zh": "注册尚未完成：请输入发送到您手机或邮箱的验证码",
    "en": "Sign-up is not finished: enter the code sent to your phone or email",
}

# Built once: every authenticated request and every payment runs these, and building a
# statement costs about as much as running it.
_USER_BY_ID = select(t.users).where(t.users.c.id == bindparam("user_id"))
_TOKEN_USER = (
    select(t.users)
    .join(t.tokens, t.tokens.c.user_id == t.users.c.id)
    .where(
        and_(
            t.tokens.c.id == bindparam("token_id"),
            t.tokens.c.revoked_at.is_(None),
            t.tokens.c.expires_at > bindparam("now"),
        )
    )
)


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures_per_account: int = 5
    max_failures_per_ip: int = 20
    window_seconds: int = 900


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    display_name: str
    phone: str | None
    locale: str
    created_at: int
    email: str | None = None
    active: bool = True
    """False while a sign-up the risk check doubted waits for its one-time code."""

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            row.id, row.username, row.display_name, row.phone, row.locale, row.created_at,
            row.email, row.activated_at is not None,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A login whose password was right, as the login hooks see it."""

    user: User
    at: datetime
    ip: str
    device_id: str | None
    user_agent: str | None
    password_changed_at: int | None


@dataclass(frozen=True, slots=True)
class LoginVerdict:
    decision: str
    reasons: tuple[dict[str, str], ...] = ()


LoginHook = Callable[[LoginAttempt], LoginVerdict | None]


@dataclass(frozen=True, slots=True)
class Application:
    """A sign-up as the application hooks see it: judged before the account exists."""

    user_id: str
    at: datetime
    ip: str | None
    device_id: str | None
    tentative: bool = False
    """Judge without counting it: asked first when a doubted sign-up could not be verified,
    so an applicant told to add a phone number is not held against their own retry."""


@dataclass(frozen=True, slots=True)
class SignUpVerdict:
    decision: str
    reasons: tuple[dict[str, str], ...] = ()
    opened: Callable[[Connection, User], None] | None = None
    """Run in the transaction that opens a doubted account: the risk check freezes one it
    sends for review, so the account never exists unfrozen."""


ApplicationHook = Callable[[Application], SignUpVerdict | None]


@dataclass(frozen=True, slots=True)
class Challenge:
    """A one-time code sent and waiting: what the client sends back, until when, and why."""

    challenge_id: str
    expires_at: int
    decision: str
    reasons: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class SignedUp:
    """The account, and the code it waits for when the check doubted the sign-up."""

    user: User
    challenge: Challenge | None = None


class Identity:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        secret_key: bytes,
        *,
        token_ttl_seconds: int,
        policy: LoginPolicy,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self._key = secret_key
        self.token_ttl_seconds = token_ttl_seconds
        self.policy = policy
        self.hasher = hasher or PasswordHasher()
        # Other capabilities set a new user up here (payments opens the CNY wallet).
        self.on_register: list[Callable[[User], object]] = []
        # Risk checks on a login whose password was right; the strictest verdict counts and
        # a block refuses the login (identity itself knows nothing about risk).
        self.on_login: list[LoginHook] = []
        # Risk checks on a sign-up, as an application; the strictest verdict counts.
        self.on_apply: list[ApplicationHook] = []
        # Where a step-up code goes (the app wires the notify outbox); without it a stepped-up
        # login goes through, as the hooks' own alerts then tell the user, and a doubted
        # sign-up cannot be opened.
        self.send_code: stepup.CodeSender | None = None
        self._dummy_hash = self.hasher.hash(secrets.token_hex(8))

    # -- users --------------------------------------------------------------------------

    def register(
        self,
        username: str,
        password: str,
        *,
        display_name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        locale: str = "zh-CN",
    ) -> User:
        """Open an active account without judging it: for the operator (the demo's seed). A
        person signing up goes through `sign_up`."""
        user, row = self._new_account(username, password, display_name, phone, email, locale)
        with self._opening() as conn:
            conn.execute(insert(t.users), {**row, "activated_at": user.created_at})
        self._opened(user)
        return user

    def sign_up(
        self,
        username: str,
        password: str,
        *,
        ip: str | None,
        device_id: str | None = None,
        user_agent: str | None = None,
        display_name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        locale: str = "zh-CN",
    ) -> SignedUp:
        """A person opening an account, judged first as an application by `on_apply`.

        `block` opens nothing. `challenge` or `review` stores the account inactive and sends a
        one-time code to its phone or email; `verify_login` with that code activates it, runs
        `on_register` (its wallet) and logs it in. A login before then sends a fresh code; an
        account left inactive for `PENDING_SECONDS` gives up its name and number to the next
        sign-up that asks for them. A doubted sign-up with nowhere to send a code is refused:
        the code is what makes a doubted sign-up safe to open.
        """
        user, row = self._new_account(username, password, display_name, phone, email, locale)
        self._require_free(user.username, phone)
        application = Application(user.id, self.clock.now(), ip, device_id)
        reachable = self.send_code is not None and bool(phone or email)
        if not reachable:
            peek = _strictest(hook(replace(application, tentative=True)) for hook in self.on_apply)
            if peek is not None and peek.decision in stepup.STEP_UP:
                raise _unreachable(peek)
        verdict = _strictest(hook(application) for hook in self.on_apply)
        if verdict is None or verdict.decision == "allow":
            with self._opening() as conn:
                conn.execute(insert(t.users), {**row, "activated_at": user.created_at})
            self._opened(user)
            return SignedUp(user)
        if verdict.decision == "block":
            raise SignUpRefused(
                "this sign-up looks unsafe and was refused; if it is you, contact support",
                reasons=list(verdict.reasons),
            )
        if not reachable:  # the tentative look allowed it; the real one, a moment later, not
            raise _unreachable(verdict)
        pending = replace(user, active=False)
        attempt = {"user_id": user.id, "ip": (ip or "unknown")[:45], "device_id": device_id,
                   "user_agent": (user_agent or None) and user_agent[:300]}  # fmt: skip
        with self._opening() as conn:
            conn.execute(insert(t.users), {**row, "activated_at": None})
            if verdict.opened is not None:
                verdict.opened(conn, pending)
            challenge = self._send_code(
                conn, pending, attempt, verdict.decision, verdict.reasons, stepup.SIGN_UP
            )
        return SignedUp(pending, challenge)

    def _new_account(
        self, username: str, password: str, display_name: str | None, phone: str | None,
        email: str | None, locale: str,
    ) -> tuple[User, dict[str, Any]]:  # fmt: skip
        """The checked details of a new account, and its row (not yet stored)."""
        if not _USERNAME.fullmatch(username):
            raise InvalidInput(
                "username must be 3-64 letters, digits, '.', '_' or '-'", field="username"
            )
        if len(password) < 8:
            raise InvalidInput("password must be at least 8 characters", field="password")
        if phone is not None and not _PHONE.fullmatch(phone):
            raise InvalidInput("phone must be digits with an optional leading +", field="phone")
        now = to_micros(self.clock.now())
        if email is not None and not _EMAIL.fullmatch(email):
            raise InvalidInput("that does not look like an email address", field="email")
        user = User(new_id(), username.lower(), display_name or username, phone, locale, now, email)
        row = {
            "id": user.id, "username": user.username, "phone": phone, "email": email,
            "display_name": user.display_name, "locale": locale,
            "password_hash": self.hasher.hash(password), "password_changed_at": now,
            "created_at": now,
        }  # fmt: skip
        return user, row

    def _require_free(self, username: str, phone: str | None) -> None:
        """Refuse a taken name or phone before the risk check, so a typo is not counted as
        one more application from this IP (the insert still catches a race). A sign-up left
        without its code for `PENDING_SECONDS` gives its name and number up first: otherwise a
        mistyped or borrowed number would hold them for ever."""
        c = t.users.c
        now = to_micros(self.clock.now())
        taken = c.username == username if phone is None else or_(
            c.username == username, c.phone == phone
        )  # fmt: skip
        with self.db.read() as conn:
            holders = conn.execute(
                select(c.id, c.username, c.activated_at, c.created_at).where(taken)
            ).all()
        stale = now - PENDING_SECONDS * 1_000_000
        abandoned = [h.id for h in holders if h.activated_at is None and h.created_at < stale]
        held = [h for h in holders if h.id not in abandoned]
        if held:
            field = "username" if any(h.username == username for h in held) else "phone"
            raise Conflict(f"that {field} is already registered", field=field)
        if abandoned:
            with self.db.write() as conn:
                released = conn.execute(
                    update(t.users)
                    .where(c.id.in_(abandoned), c.activated_at.is_(None))
                    .values(username=literal("expired.") + c.id, phone=None)
                    .returning(c.id)
                ).scalars().all()  # fmt: skip
                # A code sent before the release must not open the account now.
                stepup.close_all(conn, released, stepup.FAILED, now)

    @contextmanager
    def _opening(self) -> Iterator[Connection]:
        """The transaction that stores a new account; a taken name or phone is a Conflict."""
        try:
            with self.db.write() as conn:
                yield conn
        except IntegrityError as exc:
            taken = "phone" if "phone" in str(exc.orig) else "username"
            raise Conflict(f"that {taken} is already registered", field=taken) from None

    def _opened(self, user: User) -> None:
        for hook in self.on_register:
            hook(user)

    def user(self, user_id: str) -> User:
        with self.db.read() as conn:
            row = conn.execute(_USER_BY_ID, {"user_id": user_id}).first()
        if row is None:
            raise NotFound(f"user {user_id!r} does not exist")
        return User.from_row(row)

    def find_user(self, *, username: str | None = None, phone: str | None = None) -> User:
        """The user with this username or phone number (how people find whom to pay)."""
        field, column, value = (
            ("username", t.users.c.username, (username or "").lower())
            if username
            else ("phone", t.users.c.phone, phone or "")
        )
        with self.db.read() as conn:
            row = conn.execute(
                select(t.users).where(column == value, t.users.c.activated_at.is_not(None))
            ).first()
        if row is None:  # an account still waiting for its sign-up code cannot be paid yet
            raise NotFound(f"no Anxin user with {field} {value!r}", field=field)
        return User.from_row(row)

    # -- login --------------------------------------------------------------------------

    def login(
        self,
        username: str,
        password: str,
        ip: str,
        *,
        device_id: str | None = None,
        user_agent: str | None = None,
    ) -> tuple[str, User]:
        """Check the password, ask the login hooks, issue a token; throttled per account and
        per IP. Every attempt, whatever its outcome, is kept in the login history."""
        # A name that could never have been registered is still a failed attempt, recorded
        # under a length the table can hold.
        username = username.lower()[:64]
        now = to_micros(self.clock.now())
        attempt = {"username": username, "at": now, "ip": ip[:45], "device_id": device_id,
                   "user_agent": (user_agent or None) and user_agent[:300]}  # fmt: skip
        try:
            self._check_throttle(username, ip, now)
        except RateLimited:  # kept under the account too: someone may be guessing its password
            with self.db.read() as conn:
                user_id = conn.execute(
                    select(t.users.c.id).where(t.users.c.username == username)
                ).scalar_one_or_none()
            self._record({**attempt, "user_id": user_id}, None, THROTTLED)
            raise
        with self.db.read() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
        if row is None or not self._password_ok(row.password_hash, password):
            with self.db.write() as conn:
                conn.execute(insert(t.login_failures), {"username": username, "ip": ip, "at": now})
                conn.execute(insert(t.login_events), {
                    **attempt, "user_id": row.id if row is not None else None,
                    "outcome": BAD_PASSWORD, "decision": None,
                })  # fmt: skip
            raise Unauthenticated(_BAD_LOGIN)
        user = User.from_row(row)
        # The password set at sign-up is not a change of password (a signal of takeover).
        changed = row.password_changed_at if row.password_changed_at > user.created_at else None
        attempted = LoginAttempt(user, self.clock.now(), ip, device_id, user_agent, changed)
        verdict = _strictest(hook(attempted) for hook in self.on_login)
        decision = verdict.decision if verdict is not None else None
        if verdict is not None and verdict.decision == "block":
            self._record({**attempt, "user_id": user.id}, decision, BLOCKED)
            raise LoginRefused(
                "this login looks unsafe and was refused; if it is you, contact support",
                reasons=list(verdict.reasons),
            )
        attempt["user_id"] = user.id
        if not user.active:  # a sign-up waiting for its code: only the code finishes it
            if not self._reachable(user):
                raise InvalidState(
                    "this sign-up was never finished and no code can be sent to finish it "
                    "now; contact support", field="username",
                )  # fmt: skip
            self._step_up(user, attempt, _finish_sign_up(verdict), stepup.SIGN_UP)
        if verdict is not None and self.steps_up(user, verdict.decision):
            self._step_up(user, attempt, verdict, stepup.LOGIN)
        with self.db.write() as conn:
            conn.execute(delete(t.login_failures).where(t.login_failures.c.username == username))
            token = self._issue(conn, attempt, decision, now)
        return token, user

    def steps_up(self, user: User, decision: str) -> bool:
        """Whether a login with this verdict waits for a one-time code: only when there is a
        phone or email to send it to (otherwise the hooks' alert is all that can be done)."""
        return decision in stepup.STEP_UP and self._reachable(user)

    def _reachable(self, user: User) -> bool:
        """Whether a one-time code can be sent to this account."""
        return self.send_code is not None and bool(user.phone or user.email)

    def _step_up(
        self, user: User, attempt: dict[str, Any], verdict: LoginVerdict, purpose: str
    ) -> None:
        with self.db.write() as conn:
            challenge = self._send_code(
                conn, user, attempt, verdict.decision, verdict.reasons, purpose
            )
            conn.execute(
                insert(t.login_events),
                {**attempt, "outcome": CHALLENGED, "decision": verdict.decision},
            )
        doing = "signing up" if purpose == stepup.SIGN_UP else "logging in"
        raise StepUpRequired(
            f"to finish {doing}, enter the one-time code we sent to your phone or email",
            challenge_id=challenge.challenge_id, expires_at=isoformat(challenge.expires_at),
            reasons=list(verdict.reasons),
        )  # fmt: skip

    def _send_code(
        self, conn: Connection, user: User, attempt: dict[str, Any], decision: str,
        reasons: tuple[dict[str, str], ...], purpose: str,
    ) -> Challenge:  # fmt: skip
        """Keep a challenge and queue its code, in `conn`; at most `stepup.HOURLY` codes an
        hour per account, so nobody who knows a password floods its phone."""
        assert self.send_code is not None
        now = to_micros(self.clock.now())
        stepup.require_quota(conn, user.id, now)
        challenge_id, code, expires = stepup.keep(
            conn, self._key, attempt, decision, list(reasons), now
        )
        self.send_code(conn, user, code, stepup.SECONDS // 60, purpose)
        return Challenge(challenge_id, expires, decision, reasons)

    def verify_login(self, challenge_id: str, code: str) -> tuple[str, User]:
        """Finish a stepped-up login with its one-time code: a session, or why not."""
        now = to_micros(self.clock.now())
        with self.db.write() as conn:  # the try is spent even if the code is then wrong
            row = stepup.spend_try(conn, challenge_id, now)
        attempt = {"user_id": row.user_id, "at": now, "ip": row.ip, "device_id": row.device_id,
                   "user_agent": row.user_agent}  # fmt: skip
        user = self.user(row.user_id)
        attempt["username"] = user.username
        given = stepup.digest(self._key, challenge_id, code.strip())
        if not hmac.compare_digest(given, row.code_hash):
            with self.db.write() as conn:
                conn.execute(insert(t.login_events), {**attempt, "outcome": BAD_CODE,
                                                      "decision": row.decision})  # fmt: skip
                if row.attempts >= stepup.MAX_ATTEMPTS:
                    stepup.close(conn, challenge_id, stepup.FAILED, now)
            raise stepup.wrong_code(row.attempts)
        with self.db.write() as conn:
            if not stepup.close(conn, challenge_id, stepup.PASSED, now):
                raise InvalidState("this code was already used; log in again", field="code")
            token = self._issue(conn, attempt, row.decision, now, activate=not user.active)
        if not user.active:
            user = replace(user, active=True)
            self._opened(user)
        return token, user

    def _issue(
        self, conn: Connection, attempt: dict[str, Any], decision: str | None, now: int,
        *, activate: bool = False,
    ) -> str:  # fmt: skip
        """A session token for a login that passed, kept beside its history row; `activate`
        finishes a sign-up that waited for its code."""
        if activate:
            conn.execute(
                update(t.users)
                .where(t.users.c.id == attempt["user_id"], t.users.c.activated_at.is_(None))
                .values(activated_at=now)
            )
        expires = now + self.token_ttl_seconds * 1_000_000
        token_id = secrets.token_urlsafe(24)
        conn.execute(insert(t.login_events), {**attempt, "outcome": OK, "decision": decision})
        conn.execute(insert(t.tokens), {
            "id": token_id, "user_id": attempt["user_id"], "created_at": now,
            "expires_at": expires, "ip": attempt["ip"],
        })  # fmt: skip
        return self._sign(f"{token_id}:{expires}")

    def check_password(self, user_id: str, password: str) -> bool:
        """Whether `password` is the user's (asked again before sensitive changes)."""
        with self.db.read() as conn:
            stored = conn.execute(
                select(t.users.c.password_hash).where(t.users.c.id == user_id)
            ).scalar_one_or_none()
        return self._password_ok(stored, password)

    def _record(self, attempt: dict[str, Any], decision: str | None, outcome: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                insert(t.login_events), {**attempt, "outcome": outcome, "decision": decision}
            )

    def recent_logins(self, user_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The user's latest login attempts (their own history page), newest first."""
        e = t.login_events.c
        with self.db.read() as conn:
            rows = conn.execute(
                select(t.login_events)
                .where(e.user_id == user_id)
                .order_by(e.at.desc(), e.id.desc())
                .limit(limit)
            ).all()
        return [
            {
                "at": isoformat(row.at), "ip": row.ip, "device_id": row.device_id,
                "user_agent": row.user_agent, "outcome": row.outcome, "risk": row.decision,
            }
            for row in rows
        ]  # fmt: skip

    def devices(self, user_id: str) -> list[dict[str, Any]]:
        """Devices that logged in to this account: first and last seen, last IP and agent."""
        e = t.login_events.c
        with self.db.read() as conn:
            rows = conn.execute(
                select(t.login_events)
                .where(e.user_id == user_id, e.outcome == OK, e.device_id.is_not(None))
                .order_by(e.at, e.id)
            ).all()
        seen: dict[str, dict[str, Any]] = {}
        for row in rows:
            device = seen.setdefault(
                row.device_id,
                {"device_id": row.device_id, "first_seen": isoformat(row.at), "logins": 0},
            )
            device.update(last_seen=isoformat(row.at), last_ip=row.ip, user_agent=row.user_agent)
            device["logins"] += 1
        return sorted(seen.values(), key=lambda d: d["last_seen"], reverse=True)

    def _password_ok(self, stored: str | None, password: str) -> bool:
        try:
            # Unknown users still cost one hash, so timing does not reveal who exists.
            return self.hasher.verify(stored or self._dummy_hash, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def _check_throttle(self, username: str, ip: str, now: int) -> None:
        window = self.policy.window_seconds * 1_000_000
        f = t.login_failures.c
        limits = (
            (f.username, username, self.policy.max_failures_per_account),
            (f.ip, ip, self.policy.max_failures_per_ip),
        )
        unlock = 0
        with self.db.read() as conn:
            for column, value, limit in limits:
                times = (
                    conn.execute(
                        select(f.at).where(column == value, f.at > now - window).order_by(f.at)
                    )
                    .scalars()
                    .all()
                )
                if len(times) >= limit:
                    # Locked until enough failures have left the window to go below the limit.
                    unlock = max(unlock, times[len(times) - limit] + window)
        if unlock:
            retry = -(-(unlock - now) // 1_000_000)
            raise RateLimited("too many failed logins; try again later", retry_after=retry)

    # -- tokens -------------------------------------------------------------------------

    def authenticate(self, token: str) -> User:
        payload = self._unsign(token)
        try:
            token_id, expires_text = payload.split(":", 1)
            expires = int(expires_text)
        except ValueError:
            raise Unauthenticated("malformed token") from None
        now = to_micros(self.clock.now())
        if expires <= now:
            raise Unauthenticated("token expired; log in again")
        with self.db.read() as conn:
            row = conn.execute(_TOKEN_USER, {"token_id": token_id, "now": now}).first()
        if row is None:
            raise Unauthenticated("token revoked or unknown; log in again")
        return User.from_row(row)

    def logout(self, token: str) -> None:
        token_id = self._unsign(token).split(":", 1)[0]
        with self.db.write() as conn:
            conn.execute(
                update(t.tokens)
                .where(t.tokens.c.id == token_id)
                .values(revoked_at=to_micros(self.clock.now()))
            )

    def _sign(self, payload: str) -> str:
        body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{body}.{self._sign_body(body)}"

    def _unsign(self, token: str) -> str:
        body, _, signature = token.partition(".")
        expected = self._sign_body(body)
        if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise Unauthenticated("invalid token")
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        except ValueError:
            raise Unauthenticated("invalid token") from None

    def _sign_body(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _finish_sign_up(verdict: LoginVerdict | None) -> LoginVerdict:
    """A login to an account whose sign-up waits for its code: a fresh code, saying so."""
    if verdict is None or _RANK[verdict.decision] < _RANK["challenge"]:
        return LoginVerdict("challenge", (_SIGNING_UP,))
    return LoginVerdict(verdict.decision, (_SIGNING_UP, *verdict.reasons))


Verdict = TypeVar("Verdict", LoginVerdict, SignUpVerdict)


def _strictest(verdicts: Iterable[Verdict | None]) -> Verdict | None:
    """The strictest of the hooks' verdicts (None when no hook had one)."""
    strictest: Verdict | None = None
    for verdict in verdicts:
        if verdict is not None and (
            strictest is None or _RANK[verdict.decision] > _RANK[strictest.decision]
        ):
            strictest = verdict
    return strictest


def _unreachable(verdict: SignUpVerdict) -> InvalidInput:
    return InvalidInput(
        "to open this account we must send it a one-time code: give a phone number or an "
        "email address", field="contact", reasons=list(verdict.reasons),
    )  # fmt: skip
