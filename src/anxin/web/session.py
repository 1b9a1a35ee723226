"""The browser session: the login token in a cookie, CSRF tokens, and same-origin checks.

The cookie holds the same bearer token `Identity.login` issues to API clients, HttpOnly and
SameSite=Lax, and `Secure` whenever the page came over https (directly, or through a proxy
uvicorn trusts to say so in `X-Forwarded-Proto`): the demo on http://127.0.0.1 still works,
and a deployment behind TLS never sends its cookies in clear. Every POST form carries a
CSRF token: an HMAC, under a key derived from the app secret, of the session token, or of a
random per-browser nonce before anyone has logged in. A request whose `Origin` header names
another site is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from anxin.core.errors import Forbidden

SESSION_COOKIE = "anxin_session"
NONCE_COOKIE = "anxin_nonce"
LANG_COOKIE = "anxin_lang"
ELDER_COOKIE = "anxin_elder"
DEVICE_COOKIE = "anxin_device"
CSRF_FIELD = "csrf"
YEAR = 365 * 86_400


class LoginRequired(Exception):
    """Raised by page dependencies; the web app turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def csrf_key(secret: bytes) -> bytes:
    """A key used only for CSRF tokens, so they can never double as anything else."""
    return hmac.new(secret, b"anxin-web-csrf", hashlib.sha256).digest()


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def binding(request: Request) -> str:
    """What a CSRF token is tied to: the session, else this browser's nonce (made if new)."""
    token = session_token(request)
    if token:
        return "s:" + token
    nonce = request.cookies.get(NONCE_COOKIE) or getattr(request.state, "new_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(18)
        request.state.new_nonce = nonce
    return "n:" + nonce


def csrf_token(key: bytes, request: Request) -> str:
    return hmac.new(key, binding(request).encode(), hashlib.sha256).hexdigest()


def check_csrf(key: bytes, request: Request, submitted: str | None) -> None:
    """Refuse a POST whose token is missing or wrong, or whose Origin is another site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and _origin_of(origin) != _own_origin(request):
        raise Forbidden("this form was sent from another site", field=CSRF_FIELD)
    if not request.cookies.get(SESSION_COOKIE) and not request.cookies.get(NONCE_COOKIE):
        raise Forbidden("the form's security token is missing; reload the page", field=CSRF_FIELD)
    expected = csrf_token(key, request)
    if not submitted or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise Forbidden("the form's security token is missing; reload the page", field=CSRF_FIELD)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origin(request: Request) -> str:
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}".lower()


def keep(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set one of the app's cookies: every one is HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=_over_https(request)
    )


def _over_https(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_nonce(request: Request, response: Response) -> None:
    """Store the nonce a CSRF token was just made from, so the form can be checked later."""
    nonce = getattr(request.state, "new_nonce", None)
    if nonce:
        keep(request, response, NONCE_COOKIE, nonce, YEAR)


def device_id(request: Request) -> str:
    """This browser's long-lived id, which the login history lists as a device."""
    known = request.cookies.get(DEVICE_COOKIE) or getattr(request.state, "new_device", None)
    if not known:
        known = "web-" + secrets.token_urlsafe(12)
        request.state.new_device = known
    return known


def remember_device(request: Request, response: Response) -> None:
    keep(request, response, DEVICE_COOKIE, device_id(request), YEAR)


def set_session(request: Request, response: Response, token: str, max_age: int) -> None:
    keep(request, response, SESSION_COOKIE, token, max_age)


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=_over_https(request)
    )


def safe_next(value: str | None, default: str = "/") -> str:
    """A redirect target on this site only: a path, never `//host` or `http://...`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
