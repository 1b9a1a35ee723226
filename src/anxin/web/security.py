"""The security page: freeze the account or a card, payments waiting on a code, devices, logins.

The same functions as `/v1/me/freeze`, `/v1/cards/{id}/freeze`, `/v1/holds` and
`/v1/me/logins`: a frozen account can still log in and receive money (so its owner can come
here and unfreeze it), and unfreezing asks for the password again, since whoever froze it may
have lost the phone the session is open on. A transfer held for a step-up challenge lands on
its own done page with the code form (`anxin.web.transfer`); this page lists every payment
still waiting, with the same code form, so one left open elsewhere is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.errors import AnxinError, Unauthenticated
from anxin.payments import holds
from anxin.payments.banks.cards import list_cards, own_card
from anxin.risk import freezes
from anxin.web.lines import Names
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute
from anxin.web.stamps import micros_of

router = APIRouter(prefix="/security", route_class=PageRoute)

LOGINS_SHOWN = 20
ELDER_LOGINS_SHOWN = 5
"""Elder mode shows the last few logins only: enough to spot a stranger, not a wall of rows."""
HISTORY_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Waiting:
    """A held payment as the payer sees it: to whom, how much, why, until when."""

    id: str
    kind: str
    units: int
    currency: str
    payee: str
    reasons: list[str]
    expires_at: int
    details: str
    """Where the held payment is shown in full: the transfer or the bill payment page."""


def _waiting(page: Page) -> list[Waiting]:
    services, user = page.services, page.signed_in_user
    holds.expire_holds(services)
    names = Names(services, user.id)
    found = []
    for held in holds.list_holds(services.db, user_id=user.id):
        payee = names.name(held.payee_user_id) if held.payee_user_id else held.channel
        details = f"/transfer/done/{held.transfer_id}"
        purpose = holds.purpose_of(held)
        if purpose is not None:  # a bill payment, say: named and shown by its own capability
            shown = purpose.shown(services, held, page.lang)
            payee, details = shown.payee, shown.page
        reasons = [str(r.get(page.lang) or r.get("en", "")) for r in held.reasons]
        found.append(Waiting(
            held.id, held.kind, held.money.to_minor(), held.money.currency, payee, reasons,
            held.expires_at, details,
        ))  # fmt: skip
    return found


def _cards(page: Page) -> list[dict[str, Any]]:
    db = page.services.db
    return [
        {**card, "frozen": freezes.frozen(db, freezes.CARD, card["id"]) is not None}
        for card in list_cards(page.services, page.signed_in_user.id)
    ]


def _timed(rows: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    """Rows with each ISO time in `fields` also as micros (`<field>_us`) for `shown_time`."""
    return [{**row, **{f"{name}_us": micros_of(row[name]) for name in fields}} for row in rows]


def security_page(
    page: Page, *, error: AnxinError | None = None, error_at: str = "",
    values: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """The whole page; `error_at` names the form an error belongs to (`account`, a card id
    or a hold id) so it is shown, with what was typed, beside that form only."""
    services, user = page.services, page.signed_in_user
    identity = services.identity
    shown = ELDER_LOGINS_SHOWN if page.elder else LOGINS_SHOWN
    waiting, cards = _waiting(page), _cards(page)
    if error_at not in {"account", *(h.id for h in waiting), *(c["id"] for c in cards)}:
        error_at = ""  # about something no longer (or never) on the page: shown at the top
    return page.render(
        "security.html", status=error.status if error else status, error=error,
        error_at=error_at, values=values or {}, waiting=waiting,
        account=freezes.frozen(services.db, freezes.ACCOUNT, user.id), cards=cards,
        devices=_timed(identity.devices(user.id), "first_seen", "last_seen"),
        logins=_timed(identity.recent_logins(user.id, shown), "at"),
        history=_timed(freezes.audit_trail(services.db, user_id=user.id, limit=HISTORY_SHOWN),
                       "at"),
        challenge=holds.CHALLENGE,
    )  # fmt: skip


def _reason(page: Page, form: PostedForm) -> str:
    """The reason typed, else a plain default: nobody should be slowed down by a blank box
    when their phone was just stolen."""
    return form.get("reason") or page.t("security.default_reason")


def _actor(page: Page) -> str:
    return f"user:{page.signed_in_user.id}"


@router.get("")
def security(page: UserPage) -> Response:
    return security_page(page)


@router.post("/freeze")
def freeze_account(page: UserPage, form: PostedForm) -> Response:
    user = page.signed_in_user
    try:
        freezes.freeze(
            page.services.db, page.services.clock, freezes.ACCOUNT, user.id,
            user_id=user.id, actor=_actor(page), reason=_reason(page, form),
        )  # fmt: skip
    except AnxinError as error:
        return security_page(page, error=error, error_at="account", values=form.fields)
    return page.redirect("/security#account")


@router.post("/unfreeze")
def unfreeze_account(page: UserPage, form: PostedForm) -> Response:
    """The password is asked again, exactly as `/v1/me/unfreeze` does."""
    services, user = page.services, page.signed_in_user
    try:
        if not services.identity.check_password(user.id, form.get("password")):
            raise Unauthenticated("that is not your password", field="password")
        freezes.unfreeze(services.db, services.clock, freezes.ACCOUNT, user.id,
                         actor=_actor(page), reason=_reason(page, form))  # fmt: skip
    except AnxinError as error:
        values = {"reason": form.get("reason")}
        return security_page(page, error=error, error_at="account", values=values)
    return page.redirect("/security#account")


@router.post("/cards/{card_id}/freeze")
def freeze_card(page: UserPage, form: PostedForm, card_id: str) -> Response:
    services, user = page.services, page.signed_in_user
    try:
        own_card(services, user.id, card_id)
        freezes.freeze(
            services.db, services.clock, freezes.CARD, card_id,
            user_id=user.id, actor=_actor(page), reason=_reason(page, form),
        )  # fmt: skip
    except AnxinError as error:
        return security_page(page, error=error, error_at=card_id)
    return page.redirect("/security#cards")


@router.post("/cards/{card_id}/unfreeze")
def unfreeze_card(page: UserPage, form: PostedForm, card_id: str) -> Response:
    """The password is asked again, exactly as `/v1/cards/{card_id}/unfreeze` does."""
    services, user = page.services, page.signed_in_user
    try:
        own_card(services, user.id, card_id)
        if not services.identity.check_password(user.id, form.get("password")):
            raise Unauthenticated("that is not your password", field="password")
        freezes.unfreeze(services.db, services.clock, freezes.CARD, card_id,
                         actor=_actor(page), reason=_reason(page, form))  # fmt: skip
    except AnxinError as error:
        return security_page(page, error=error, error_at=card_id)
    return page.redirect("/security#cards")


@router.post("/holds/{hold_id}/verify")
def verify(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a step-up challenge; the right code makes the payment, shown on its done page."""
    services = page.services
    try:
        transfer = holds.verify_code(services, page.signed_in_user.id, hold_id, form.get("code"))
    except AnxinError as error:
        return security_page(page, error=error, error_at=hold_id)
    held = holds.hold(services.db, hold_id)
    purpose = holds.purpose_of(held)
    if purpose is not None:  # a bill or a shop: its own page says how it ended
        return page.redirect(purpose.shown(services, held, page.lang).page)
    return page.redirect(f"/transfer/done/{transfer.id}")


@router.post("/holds/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    del form  # checked for its CSRF token
    try:
        holds.cancel_hold(page.services, page.signed_in_user.id, hold_id)
    except AnxinError as error:
        return security_page(page, error=error, error_at=hold_id)
    return page.redirect("/security#waiting")
