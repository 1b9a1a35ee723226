"""Family co-management (监护): a parent's guardian, invitations, and a guardian's wards.

The same `identity.family.service` functions as `/v1/family`. One page, `/family`, shows
each side a person is on: as a parent, their guardian (invite, the approval limit, revoke)
and the audit of every guardian action; as an invited person, the invitations to answer; as
a guardian, the people they look after. A ward's page (`/family/wards/{id}`, itself audited)
shows the parent's balances, recent alerts and the transfers waiting for approval.

Approve and reject forms carry an idempotency key, like every confirmation: a hold can be
decided only once, so a second submit of the same decision is answered as the first one was
(the `/v1` routes replay the same way) instead of showing a conflict.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.errors import AnxinError, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.family import service
from anxin.identity.family.check import ACTIVE
from anxin.identity.service import User
from anxin.payments import holds
from anxin.web.home import Balance
from anxin.web.lines import Names
from anxin.web.page import Page, PostedForm, UserPage, money
from anxin.web.pageroute import PageRoute
from anxin.web.stamps import micros_of

router = APIRouter(prefix="/family", route_class=PageRoute)

CURRENCY = "CNY"
AUDIT_SHOWN = 50
_PHONE = re.compile(r"^\+?[0-9]{6,19}$")
_AMOUNT = re.compile(r"\b([A-Z]{3}) ([0-9]+(?:\.[0-9]+)?)")
LIVE = (service.PENDING, ACTIVE)
DECISIONS = {"approve": holds.APPROVED, "reject": holds.REJECTED}


def _guardian_of(page: Page, who: str) -> User:
    """The person typed in the invite form: a phone number, else a username (`@` optional)."""
    identity = page.services.identity
    if not who:
        raise InvalidInput("give the guardian's username or phone", field="guardian")
    try:
        if _PHONE.fullmatch(who):
            return identity.find_user(phone=who)
        return identity.find_user(username=who.removeprefix("@"))
    except NotFound:
        raise NotFound(f"nobody is called {who!r}", field="guardian") from None


def _detail(detail: str) -> str:
    """An audit row's detail as shown: its amounts (`¥500.00 → ¥800.00`) and a rejection's
    note. The service writes it in English for the API; the action column already says the
    rest in the reader's language."""
    amounts = [money(Money.parse(v, c).to_minor(), c) for c, v in _AMOUNT.findall(detail)]
    note = detail.split(": ", 1)[1] if ": " in detail else ""
    return " → ".join(amounts) + (f" · {note}" if amounts and note else note)


def _limit(value: str) -> Money:
    return Money.parse(value, CURRENCY, field="approval_limit")


def family_page(
    page: Page, *, error: AnxinError | None = None, error_at: str = "",
    values: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """Every side of the family the user is on; `error_at` names the form an error is for."""
    db, user = page.services.db, page.signed_in_user
    names = Names(page.services, user.id)
    links = service.guardians(db, user.id)
    live = next((link for link in links if link.status in LIVE), None)
    wards = service.wards(db, user.id)
    waiting = service.approvals(db, user.id)
    audit = [
        {"at": row.at, "who": "me" if row.actor_id == user.id else names.name(row.actor_id),
         "action": row.action, "detail": _detail(row.detail)}
        for row in service.audit_trail(db, user.id, limit=AUDIT_SHOWN)
    ]  # fmt: skip
    invitations = service.invitations(db, user.id)
    if error_at not in {"invite", "limit", *(link.id for link in invitations)}:
        error_at = ""  # about an invitation already answered: shown at the top
    return page.render(
        "family.html", status=error.status if error else status, error=error,
        error_at=error_at, values=values or {}, live=live,
        past=[link for link in links if link.status not in LIVE],
        invitations=invitations, names=names, audit=audit,
        wards=[(link, sum(1 for h in waiting if h.user_id == link.parent_id)) for link in wards],
        currency=CURRENCY,
    )  # fmt: skip


@router.get("")
def family(page: UserPage) -> Response:
    return family_page(page)


@router.post("/guardians")
def invite(page: UserPage, form: PostedForm) -> Response:
    values = {"guardian": form.get("guardian"), "approval_limit": form.get("approval_limit")}
    try:
        limit = _limit(values["approval_limit"])
        guardian = _guardian_of(page, values["guardian"])
        service.invite(page.services, page.signed_in_user, guardian, limit)
    except AnxinError as error:
        if error.field == "username":  # the service names the API's field; the form says who
            error.field = "guardian"
        return family_page(page, error=error, error_at="invite", values=values)
    return page.redirect("/family#guardian")


@router.post("/guardians/{link_id}/limit")
def change_limit(page: UserPage, form: PostedForm, link_id: str) -> Response:
    values = {"approval_limit": form.get("approval_limit")}
    try:
        limit = _limit(values["approval_limit"])
        service.change_limit(page.services, page.signed_in_user, link_id, limit)
    except AnxinError as error:
        return family_page(page, error=error, error_at="limit", values=values)
    return page.redirect("/family#guardian")


@router.post("/guardians/{link_id}/revoke")
def revoke(page: UserPage, form: PostedForm, link_id: str) -> Response:
    del form  # checked for its CSRF token
    service.revoke(page.services, page.signed_in_user, link_id)
    return page.redirect("/family#guardian")


@router.post("/invitations/{link_id}/{answer}")
def respond(page: UserPage, form: PostedForm, link_id: str, answer: str) -> Response:
    del form  # checked for its CSRF token
    if answer not in ("accept", "decline"):
        raise NotFound(f"there is no answer {answer!r}")
    try:
        service.respond(page.services, page.signed_in_user, link_id, accept=answer == "accept")
    except AnxinError as error:
        return family_page(page, error=error, error_at=link_id)
    return page.redirect("/family#wards" if answer == "accept" else "/family")


# -- a guardian's view of a parent --------------------------------------------------------


def ward_page(
    page: Page, parent_id: str, *, error: AnxinError | None = None, error_at: str = "",
    decided: str = "",
) -> Response:  # fmt: skip
    """The parent's balances, alerts and waiting approvals; the look is audited."""
    services, guardian = page.services, page.signed_in_user
    seen = service.ward_view(services, guardian, parent_id, page.lang)
    names = Names(services, guardian.id)
    balances = [
        Balance(row["id"], row["kind"], row["currency"],
                row["credits_posted"] - row["debits_posted"],
                row["credits_posted"] - row["debits_posted"] - row["debits_pending"])
        for row in seen["accounts"]
    ]  # fmt: skip
    alerts = [{**alert, "at": micros_of(alert["created_at"])} for alert in seen["alerts"]]
    approvals = [
        {"hold": held, "units": held.money.to_minor(),
         "payee": names.name(held.payee_user_id) if held.payee_user_id else held.channel,
         "reasons": [str(r.get(page.lang) or r.get("en", "")) for r in held.reasons]}
        for held in seen["approvals"]
    ]  # fmt: skip
    if error_at not in {item["hold"].id for item in approvals}:
        error_at = ""  # about a payment no longer waiting: shown at the top
    return page.render(
        "family_ward.html", status=error.status if error else 200, error=error,
        error_at=error_at, parent=services.identity.user(parent_id), link=seen["link"],
        balances=balances, alerts=alerts, approvals=approvals, idempotency_key=new_id(),
        decided=decided if decided in DECISIONS else "",
    )  # fmt: skip


@router.get("/wards/{parent_id}")
def ward(page: UserPage, parent_id: str, decided: str = "") -> Response:
    return ward_page(page, parent_id, decided=decided)


def _already(page: Page, held: holds.Hold, decision: str) -> bool:
    """Whether this guardian already made exactly this decision (a repeated submit)."""
    me = page.signed_in_user.id
    return (
        held.approver_user_id == me and held.resolved_by == me
        and held.status == DECISIONS[decision]
    )  # fmt: skip


@router.post("/approvals/{hold_id}/{decision}")
def decide(page: UserPage, form: PostedForm, hold_id: str, decision: str) -> Response:
    """Approve (the money moves) or reject (the money goes back to the parent)."""
    if decision not in DECISIONS:
        raise NotFound(f"there is no decision {decision!r}")
    held = holds.hold(page.services.db, hold_id)
    if held.approver_user_id != page.signed_in_user.id:
        raise NotFound(f"no payment {hold_id!r} is waiting for your approval")
    done = f"/family/wards/{held.user_id}?decided={decision}#approvals"
    try:
        if not form.get("idempotency_key"):
            raise NotFound("this page has expired; open it again", field="idempotency_key")
        if _already(page, held, decision):
            return page.redirect(done)
        if decision == "approve":
            service.approve(page.services, page.signed_in_user, hold_id)
        else:
            service.reject(page.services, page.signed_in_user, hold_id, form.get("note"))
    except AnxinError as error:
        return ward_page(page, held.user_id, error=error, error_at=hold_id)
    return page.redirect(done)
