"""Family co-management over HTTP under `/v1/family`.

The parent manages guardians (`/guardians`) and reads the audit (`/audit`); the invited
person answers (`/invitations`); a guardian sees their wards (`/wards`) and decides held
payments (`/approvals`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import Services, services_of
from anxin.core.errors import InvalidInput, NotFound
from anxin.core.money import Money, check_currency
from anxin.identity.family import service
from anxin.identity.preferences import Language
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import IdempotencyKey, account_json
from anxin.payments.holds import APPROVED, REJECTED, Hold, hold, hold_json

router = APIRouter(prefix="/v1/family", tags=["family"])


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = None
    phone: str | None = None
    approval_limit: str = Field(strict=True, examples=["500.00"])
    currency: str = "CNY"


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approval_limit: str = Field(strict=True, examples=["800.00"])
    currency: str = "CNY"


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=200)


def _person(services: Services, user_id: str) -> dict[str, Any]:
    user = services.identity.user(user_id)
    return {"id": user.id, "display_name": user.display_name, "username": user.username}


def _link(services: Services, link: service.Link) -> dict[str, Any]:
    return {
        **service.link_json(link),
        "parent": _person(services, link.parent_id),
        "guardian": _person(services, link.guardian_id),
    }


def _limit(amount: str, currency: str) -> Money:
    return Money.parse(amount, check_currency(currency), field="approval_limit")


def _approval(services: Services, held: Hold) -> dict[str, Any]:
    payee = held.payee_user_id
    return {
        **hold_json(held),
        "payer": _person(services, held.user_id),
        "payee": None if payee is None else _person(services, payee),
    }


# -- the parent ---------------------------------------------------------------------------


@router.post("/guardians", status_code=201)
def invite(body: InviteIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Invite a guardian by username or phone; they see it under /invitations."""
    services = services_of(request)
    if bool(body.username) == bool(body.phone):
        raise InvalidInput("give the guardian's username or phone (one of them)", field="username")
    guardian = services.identity.find_user(username=body.username, phone=body.phone)
    limit = _limit(body.approval_limit, body.currency)
    return _link(services, service.invite(services, user, guardian, limit))


@router.get("/guardians")
def my_guardians(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    links = service.guardians(services.db, user.id)
    return {"guardians": [_link(services, link) for link in links]}


@router.patch("/guardians/{link_id}")
def change_limit(
    link_id: str, body: LimitIn, request: Request, user: CurrentUser
) -> dict[str, Any]:
    services = services_of(request)
    limit = _limit(body.approval_limit, body.currency)
    return _link(services, service.change_limit(services, user, link_id, limit))


@router.delete("/guardians/{link_id}", status_code=204)
def revoke(link_id: str, request: Request, user: CurrentUser) -> Response:
    """End the guardianship; payments waiting for the guardian are cancelled (money back)."""
    service.revoke(services_of(request), user, link_id)
    return Response(status_code=204)


@router.get("/audit")
def audit(request: Request, user: CurrentUser, limit: int = 200) -> dict[str, Any]:
    """Every action of the caller's guardians (and the caller's own on guardianship)."""
    services = services_of(request)
    rows = service.audit_trail(services.db, user.id, limit=max(1, min(limit, 1000)))
    names = {
        actor: services.identity.user(actor).display_name for actor in {r.actor_id for r in rows}
    }
    return {"audit": [service.audit_json(row, names) for row in rows]}


# -- the invited person -------------------------------------------------------------------


@router.get("/invitations")
def invitations(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    links = service.invitations(services.db, user.id)
    return {"invitations": [_link(services, link) for link in links]}


@router.post("/invitations/{link_id}/accept")
def accept(link_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    return _link(services, service.respond(services, user, link_id, accept=True))


@router.post("/invitations/{link_id}/decline")
def decline(link_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    return _link(services, service.respond(services, user, link_id, accept=False))


# -- the guardian -------------------------------------------------------------------------


@router.get("/wards")
def wards(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    links = service.wards(services.db, user.id)
    return {"wards": [_link(services, link) for link in links]}


@router.get("/wards/{parent_id}")
def ward(
    parent_id: str, request: Request, user: CurrentUser, lang: Language | None = None
) -> dict[str, Any]:
    """A parent's balances, payment and security alerts and waiting approvals (audited);
    the alerts in the guardian's language unless `lang` asks for the other one."""
    services = services_of(request)
    seen = service.ward_view(services, user, parent_id, lang)
    return {
        "parent": _person(services, parent_id),
        "link": service.link_json(seen["link"]),
        "accounts": [account_json(row) for row in seen["accounts"]],
        "alerts": seen["alerts"],
        "approvals": [_approval(services, held) for held in seen["approvals"]],
    }


@router.get("/approvals")
def approvals(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    waiting = service.approvals(services.db, user.id)
    return {"approvals": [_approval(services, held) for held in waiting]}


@router.post("/approvals/{hold_id}/approve")
def approve(hold_id: str, request: Request, user: CurrentUser, key: IdempotencyKey) -> JSONResponse:
    """Approve a held payment: the money moves. A retry after success answers the same."""
    services = services_of(request)
    replay = _replayed(services, user.id, hold_id, APPROVED)
    if replay is not None:
        return replay
    held = service.approve(services, user, hold_id)
    return JSONResponse(_approval(services, held))


@router.post("/approvals/{hold_id}/reject")
def reject(
    hold_id: str, request: Request, user: CurrentUser, key: IdempotencyKey,
    body: RejectIn | None = None,
) -> JSONResponse:  # fmt: skip
    """Reject a held payment: the pending transfer is voided and the money is back."""
    services = services_of(request)
    replay = _replayed(services, user.id, hold_id, REJECTED)
    if replay is not None:
        return replay
    held = service.reject(services, user, hold_id, (body or RejectIn()).note)
    return JSONResponse(_approval(services, held))


def _replayed(
    services: Services, guardian_id: str, hold_id: str, status: str
) -> JSONResponse | None:
    """The answer to a retried decision: the hold as this guardian already decided it.

    Deciding is idempotent by the hold's state (it can be decided only once), so a client
    that lost the first answer gets it again instead of a conflict.
    """
    try:
        held = hold(services.db, hold_id)
    except NotFound:
        return None
    if held.approver_user_id != guardian_id or held.status != status:
        return None
    if held.resolved_by != guardian_id:
        return None
    return JSONResponse(_approval(services, held), headers={"Idempotent-Replayed": "true"})
