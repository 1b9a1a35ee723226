"""Paying a shop by its QR code: paste the code → who and how much → confirm → paid.

The code is checked with the same `decode_qr` the payment uses (signature, expiry), so the
confirmation names the merchant the money will reach; an open code asks for the amount.
Paying is `merchants.service.pay_by_qr`, as `/v1/merchants/pay`, under the confirmation's
Idempotency-Key, so a double submit pays once. A payment the risk check holds is shown as
waiting, with why, the one-time code form for a step-up challenge and a button to cancel
it, as a held bill payment is (`web.bills`); the merchant is paid only once it is cleared.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.ledger.posting import POSTED
from anxin.payments.holds import (
    WAITING,
    cancel_hold,
    hold_for_transfer,
)
from anxin.payments.merchants import service
from anxin.payments.merchants.qr import QrPayload, decode_qr, qr_key
from anxin.web.forms import Form
from anxin.web.held import answer_code, ending
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/pay/qr", route_class=PageRoute)


def _values(form: Form) -> dict[str, str]:
    return {"qr": form.get("qr"), "amount": form.get("amount")}


def _form_page(
    page: Page, values: dict[str, str], error: AnxinError | None = None,
    shop: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    return page.render(
        "qrpay_form.html", status=error.status if error else 200, values=values, error=error,
        shop=shop,
    )  # fmt: skip


def _decoded(page: Page, qr: str) -> tuple[QrPayload, dict[str, Any]]:
    """The code's payload and merchant, refused exactly as the payment would refuse them."""
    if not qr:
        raise InvalidInput("paste the text of the QR code", field="qr")
    services = page.services
    key = qr_key(services.settings.resolved_secret_key())
    code = decode_qr(qr, key, to_micros(services.clock.now()))
    shop = service.merchant(services, code.merchant_id)
    if shop["owner_id"] == page.signed_in_user.id:
        raise InvalidInput("you cannot pay your own merchant", field="qr")
    return code, shop


def _amount(code: QrPayload, typed: str) -> Money | None:
    if code.amount is not None:
        return code.amount
    return Money.parse(typed, code.currency, positive=True) if typed else None


@router.get("")
def qr_form(page: UserPage) -> Response:
    return _form_page(page, {"qr": "", "amount": ""})


@router.post("")
def review(page: UserPage, form: PostedForm) -> Response:
    """Decode the code: the merchant and its amount, or ask for one; then the confirmation."""
    values = _values(form)
    shop: dict[str, Any] | None = None
    try:
        code, shop = _decoded(page, values["qr"])
        money = _amount(code, values["amount"])
    except AnxinError as error:
        return _form_page(page, values, error, shop)
    if money is None:
        return _form_page(page, values, shop=shop)
    return page.render(
        "qrpay_confirm.html", shop=shop, code=code, money=money, units=money.to_minor(),
        qr=values["qr"], open_code=code.amount is None, fee=0,
        when=to_micros(page.services.clock.now()), idempotency_key=new_id(),
    )  # fmt: skip


@router.post("/confirm")
async def confirm(page: UserPage, form: PostedForm) -> Response:
    values = _values(form)
    amount = values["amount"] or None
    try:
        key = form.get("idempotency_key")
        if not key:
            raise InvalidInput("this confirmation has expired; start again", field="qr")
        paid = await service.pay_by_qr(
            page.services, page.signed_in_user, values["qr"], amount, key=key,
            body={"qr": values["qr"], "amount": amount},
            ip=page.request.client.host if page.request.client else None,
        )  # fmt: skip
    except AnxinError as error:
        return _form_page(page, values, error)
    return page.redirect(f"/pay/qr/done/{paid.trade['transfer_id']}")


@router.get("/done/{transfer_id}")
def done(page: UserPage, transfer_id: str) -> Response:
    return _done_page(page, transfer_id)


def _done_page(page: Page, transfer_id: str, code_error: AnxinError | None = None) -> Response:
    """The payment as the ledger has it: paid, waiting for a code or a review (and why), or
    not made. Only the payer's own merchant payments are shown."""
    services, user = page.services, page.signed_in_user
    try:
        row = services.ledger.transfer(transfer_id)
        mine = services.ledger.account(row.debit_account_id)["owner_id"] == user.id
    except NotFound:
        mine = False
    meta = (row.meta or {}) if mine else {}
    if meta.get("type") != "merchant_payment":
        raise NotFound(f"you have no shop payment {transfer_id!r}")
    shop = service.merchant(services, str(meta["merchant_id"]))
    paid = row.status == POSTED
    held = None if paid else hold_for_transfer(services.db, row.id)
    waiting = held is not None and held.status == WAITING
    return page.render(
        "qrpay_done.html", status=code_error.status if code_error else 200, transfer=row,
        shop=shop, order_id=meta.get("order_id"), paid=paid, hold=held if waiting else None,
        ended=None if paid or waiting else (ending(held, user.id) or "refused"),
        code_error=code_error,
    )  # fmt: skip


@router.post("/held/{hold_id}/code")
def enter_code(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a held payment's step-up challenge with the code sent by SMS; the merchant is
    paid only then."""
    transfer_id = form.get("transfer_id")
    return answer_code(
        page, hold_id, form.get("code"), then=f"/pay/qr/done/{transfer_id}",
        again=lambda error: _done_page(page, transfer_id, error),
    )  # fmt: skip


@router.post("/held/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    cancel_hold(page.services, page.signed_in_user.id, hold_id)
    return page.redirect(f"/pay/qr/done/{form.get('transfer_id')}")
