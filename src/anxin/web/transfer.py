"""Sending money to a person: form → confirmation (payee, amount, fee, date) → done.

The confirmation page carries a fresh Idempotency-Key; the confirm POST hands it to
`pay_person`, so a double submit (or a reload) replays the first payment instead of paying
twice. A payment the risk check or a guardian holds is shown as waiting, with the one-time
code form for a step-up challenge and a button to cancel it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import PENDING, POSTED
from anxin.payments.contacts import list_contacts
from anxin.payments.holds import cancel_hold, hold_for_transfer
from anxin.payments.p2p import Origin, PayeeRef, pay_person, resolve_contact, resolve_recipient
from anxin.web import session
from anxin.web.forms import Form
from anxin.web.held import answer_code
from anxin.web.lines import Names
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/transfer", route_class=PageRoute)

CURRENCY = "CNY"
P2P_FEE = 0
"""Paying a person inside Anxin is free; the confirmation still says so, in figures."""
_PHONE = re.compile(r"^\+?[0-9]{6,19}$")
REF_FIELDS = ("contact_id", "phone", "username")


def _values(form: Form) -> dict[str, str]:
    return {name: form.get(name) for name in ("to", "amount", "note")}


def _form_page(
    page: Page, values: dict[str, str], error: AnxinError | None = None, choices: Any = ()
) -> Response:
    contacts = list_contacts(page.services.db, page.signed_in_user.id)
    return page.render(
        "transfer_form.html", status=error.status if error else 200, values=values,
        error=error, contacts=contacts, choices=list(choices),
    )  # fmt: skip


def find_payee(page: Page, to: str, contact_id: str) -> tuple[PayeeRef, User]:
    """What the form's "to" means: a chosen contact, a phone number, `@username`, a contact's
    name or alias as typed (or said), else a username. Resolution is the payments service's."""
    services, payer = page.services, page.signed_in_user
    if contact_id:
        ref = PayeeRef(contact_id=contact_id)
        return ref, resolve_recipient(services, payer, ref)
    if not to:
        raise NotFound("say who to pay", field="to")
    if _PHONE.fullmatch(to):
        return PayeeRef(phone=to), services.identity.find_user(phone=to)
    if to.startswith("@"):
        return PayeeRef(username=to[1:]), services.identity.find_user(username=to[1:])
    try:
        contact = resolve_contact(services, payer, contact_id=None, payee=to)
    except NotFound:
        try:
            return PayeeRef(username=to), services.identity.find_user(username=to)
        except NotFound:
            raise NotFound(f"no contact or user called {to!r}", field="to") from None
    return PayeeRef(contact_id=contact.id), services.identity.user(contact.payee_user_id)


def _ref_from(form: Form) -> PayeeRef:
    given = {name: form.get(name) for name in REF_FIELDS if form.get(name)}
    return PayeeRef(**given)


def _body(ref: PayeeRef, money: Money, note: str | None) -> dict[str, Any]:
    """What the idempotency fingerprint covers: the same on every submit of one confirmation."""
    to = {name: getattr(ref, name) for name in REF_FIELDS if getattr(ref, name)}
    return {"to": to, "amount": str(money), "currency": money.currency, "note": note}


@router.get("")
def transfer_form(page: UserPage, to: str = "", amount: str = "", note: str = "") -> Response:
    return _form_page(page, {"to": to, "amount": amount, "note": note})


@router.post("")
def review(page: UserPage, form: PostedForm) -> Response:
    """Check the form and show the confirmation: nothing moves yet."""
    values = _values(form)
    try:
        money = Money.parse(form.get("amount"), CURRENCY, positive=True)
        ref, payee = find_payee(page, form.get("to"), form.get("contact_id"))
        if payee.id == page.signed_in_user.id:
            raise InvalidInput("you cannot pay yourself", field="to")
    except AnxinError as error:
        return _form_page(page, values, error, error.extra.get("choices", ()))
    contact = Names(page.services, page.signed_in_user.id).contacts.get(payee.id)
    return page.render(
        "transfer_confirm.html", ref=ref, payee=payee, contact_name=contact, money=money,
        units=money.to_minor(), fee=P2P_FEE, note=form.get("note"),
        when=to_micros(page.services.clock.now()), idempotency_key=new_id(),
        back="/transfer?" + urlencode(values),
    )  # fmt: skip


@router.post("/confirm")
async def confirm(page: UserPage, form: PostedForm) -> Response:
    """Pay: the confirmation's Idempotency-Key makes a second submit replay the first."""
    note = form.optional("note")
    try:
        money = Money.parse(form.get("amount"), CURRENCY, positive=True)
        ref = _ref_from(form)
        key = form.get("idempotency_key")
        if not key:
            raise NotFound("this confirmation has expired; start again", field="idempotency_key")
        ip = page.request.client.host if page.request.client else None
        result = await pay_person(
            page.services, page.signed_in_user, ref, money, note=note, idempotency_key=key,
            body=_body(ref, money, note), ip=ip,
            origin=Origin(ip=ip, device_id=session.device_id(page.request)),
        )  # fmt: skip
    except AnxinError as error:
        values = {"to": form.get("to"), "amount": form.get("amount"), "note": note or ""}
        return _form_page(page, values, error)
    return page.redirect(f"/transfer/done/{result.transfer.id}")


@router.get("/done/{transfer_id}")
def done(page: UserPage, transfer_id: str) -> Response:
    return _done_page(page, transfer_id)


def _done_page(page: Page, transfer_id: str, code_error: AnxinError | None = None) -> Response:
    """Where the payment stands: sent, waiting (and why), or cancelled."""
    services, user = page.services, page.signed_in_user
    try:
        row = services.ledger.transfer(transfer_id)
        mine = services.ledger.account(row.debit_account_id)["owner_id"] == user.id
    except NotFound:
        mine = False
    if not mine or (row.meta or {}).get("type") != "p2p":
        raise NotFound(f"you have no transfer {transfer_id!r}")
    held = hold_for_transfer(services.db, row.id) if row.status == PENDING else None
    return page.render(
        "transfer_done.html", status=code_error.status if code_error else 200, transfer=row,
        hold=held, sent=row.status == POSTED, code_error=code_error,
        payee=Names(services, user.id).name((row.meta or {}).get("to_user", "")),
    )  # fmt: skip


@router.post("/held/{hold_id}/code")
def enter_code(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a step-up challenge with the one-time code sent by SMS."""
    transfer_id = form.get("transfer_id")
    return answer_code(
        page, hold_id, form.get("code"), then=f"/transfer/done/{transfer_id}",
        again=lambda error: _done_page(page, transfer_id, error),
    )  # fmt: skip


@router.post("/held/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    cancel_hold(page.services, page.signed_in_user.id, hold_id)
    return page.redirect(f"/transfer/done/{form.get('transfer_id')}")
