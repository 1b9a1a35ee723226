"""Users, passwords, bearer tokens and login throttling.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthenticated
from anxin.core.ids import new_id
from anxin.identity import tables as t

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
_PHONE = re.compile(r"^\+?[0-9]{6,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_BAD_LOGIN = "wrong username or password"


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

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            row.id, row.username, row.display_name, row.phone, row.locale, row.created_at,
            row.email,
        )  # fmt: skip


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
        try:
            with self.db.write() as conn:
                conn.execute(
                    insert(t.users),
                    {
                        "id": user.id,
                        "username": user.username,
                        "phone": phone,
                        "email": email,
                        "display_name": user.display_name,
                        "locale": locale,
                        "password_hash": self.hasher.hash(password),
                        "password_changed_at": now,
                        "created_at": now,
                    },
                )
        except IntegrityError as exc:
            taken = "phone" if "phone" in str(exc.orig) else "username"
            raise Conflict(f"that {taken} is already registered", field=taken) from None
        for hook in self.on_register:
            hook(user)
        return user

    def user(self, user_id: str) -> User:
        with self.db.read() as conn:
            row = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
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
            row = conn.execute(select(t.users).where(column == value)).first()
        if row is None:
            raise NotFound(f"no Anxin user with {field} {value!r}", field=field)
        return User.from_row(row)

    # -- login --------------------------------------------------------------------------

    def login(self, username: str, password: str, ip: str) -> tuple[str, User]:
        """Check the password and issue a token; throttled per account and per IP."""
        # A name that could never have been registered is still a failed attempt, recorded
        # under a length the table can hold.
        username = username.lower()[:64]
        now = to_micros(self.clock.now())
        self._check_throttle(username, ip, now)
        with self.db.read() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
        if row is None or not self._password_ok(row.password_hash, password):
            with self.db.write() as conn:
                conn.execute(insert(t.login_failures), {"username": username, "ip": ip, "at": now})
            raise Unauthenticated(_BAD_LOGIN)
        user = User.from_row(row)
        expires = now + self.token_ttl_seconds * 1_000_000
        token_id = secrets.token_urlsafe(24)
        with self.db.write() as conn:
            conn.execute(delete(t.login_failures).where(t.login_failures.c.username == username))
            conn.execute(
                insert(t.tokens),
                {
                    "id": token_id,
                    "user_id": user.id,
                    "created_at": now,
                    "expires_at": expires,
                    "ip": ip,
                },
            )
        return self._sign(f"{token_id}:{expires}"), user

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
            row = conn.execute(
                select(t.users)
                .join(t.tokens, t.tokens.c.user_id == t.users.c.id)
                .where(
                    and_(
                        t.tokens.c.id == token_id,
                        t.tokens.c.revoked_at.is_(None),
                        t.tokens.c.expires_at > now,
                    )
                )
            ).first()
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
