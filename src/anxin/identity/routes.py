"""Sign-up, login, logout, `GET /v1/me`, and the auth dependencies other routers use."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.core.clock import isoformat
from anxin.core.errors import Forbidden, Unauthenticated
from anxin.identity.service import Identity, User

router = APIRouter(tags=["identity"])


def identity_of(request: Request) -> Identity:
    identity: Identity = request.app.state.services.identity
    return identity


def client_ip(request: Request) -> str:
    """The caller's address as logins and sign-ups record it."""
    return request.client.host if request.client else "unknown"


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send Authorization: Bearer <token>")
    return token.strip()


def current_user(request: Request, authorization: Annotated[str | None, Header()] = None) -> User:
    return identity_of(request).authenticate(_bearer(authorization))


async def require_admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Admin endpoints exist only while ANXIN_ADMIN_TOKEN is set, and need exactly it.

    Async because it does no I/O: a plain function would cost every admin call a hop to
    the thread pool.
    """
    expected = request.app.state.services.settings.admin_token
    if not expected:
        raise Forbidden("the admin API is off; set ANXIN_ADMIN_TOKEN to turn it on")
    if not hmac.compare_digest(_bearer(authorization).encode(), expected.encode()):
        raise Forbidden("that is not the admin token")


CurrentUser = Annotated[User, Depends(current_user)]


class SignUp(BaseModel):
    username: str = Field(examples=["xiaoming"])
    password: str = Field(min_length=8, max_length=200)
    display_name: str | None = Field(default=None, max_length=100)
    phone: str | None = None
    email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")


class Login(BaseModel):
    username: str
    password: str


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone,
        "email": user.email,
        "locale": user.locale,
        "created_at": isoformat(user.created_at),
    }


DeviceId = Annotated[
    str | None,
    Header(alias="X-Device-Id", max_length=200, description="The app install's device id."),
]


@router.post(
    "/v1/users",
    status_code=201,
    responses={202: {"description": "Opened, but the risk check wants the one-time code it "
                     "sent to the phone or email: finish with `/v1/auth/login/verify` and the "
                     "body's `challenge_id` (which also logs in)"},
               403: {"description": "`sign-up-refused`: the risk check refused; nothing was "
                     "opened"}},
)  # fmt: skip
def sign_up(
    body: SignUp,
    request: Request,
    response: Response,
    device_id: DeviceId = None,
    user_agent: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Open an account. The sign-up is judged as an application by the risk engine first."""
    signed = identity_of(request).sign_up(
        body.username, body.password, ip=client_ip(request),
        device_id=device_id or None, user_agent=user_agent, display_name=body.display_name,
        phone=body.phone, email=body.email, locale=body.locale,
    )  # fmt: skip
    challenge = signed.challenge
    if challenge is None:
        return user_json(signed.user)
    response.status_code = 202
    return {
        **user_json(signed.user), "status": "verify", "challenge_id": challenge.challenge_id,
        "expires_at": isoformat(challenge.expires_at), "decision": challenge.decision,
        "reasons": list(challenge.reasons),
    }  # fmt: skip


@router.post(
    "/v1/auth/login",
    responses={401: {"description": "Wrong password, or `step-up-required`: the risk check "
                     "sent a one-time code; finish with `/v1/auth/login/verify` and the "
                     "body's `challenge_id`"}},
)  # fmt: skip
def login(
    body: Login,
    request: Request,
    device_id: DeviceId = None,
    user_agent: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    identity = identity_of(request)
    token, user = identity.login(
        body.username, body.password, client_ip(request), device_id=device_id or None,
        user_agent=user_agent,
    )  # fmt: skip
    return _session_json(identity, token, user)


class LoginCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=12, examples=["123456"])


@router.post("/v1/auth/login/verify")
def verify_login(body: LoginCode, request: Request) -> dict[str, Any]:
    """Finish a login the risk check stepped up, or a sign-up it doubted (which this
    activates), with the code sent by SMS or email."""
    identity = identity_of(request)
    token, user = identity.verify_login(body.challenge_id, body.code)
    return _session_json(identity, token, user)


def _session_json(identity: Identity, token: str, user: User) -> dict[str, Any]:
    return {
        "token": token,
        "token_type": "bearer",
        "expires_in": identity.token_ttl_seconds,
        "user": user_json(user),
    }


@router.post("/v1/auth/logout", status_code=204)
def logout(
    request: Request, user: CurrentUser, authorization: Annotated[str | None, Header()] = None
) -> Response:
    identity_of(request).logout(_bearer(authorization))
    return Response(status_code=204)


@router.get("/v1/me")
def me(user: CurrentUser) -> dict[str, Any]:
    return user_json(user)


@router.get("/v1/me/logins")
def my_logins(
    request: Request, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> dict[str, Any]:
    """Recent login attempts on this account: when, from where, what happened."""
    return {"logins": identity_of(request).recent_logins(user.id, limit)}


@router.get("/v1/me/devices")
def my_devices(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Devices that have logged in to this account."""
    return {"devices": identity_of(request).devices(user.id)}
