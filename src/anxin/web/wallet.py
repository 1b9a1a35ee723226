"""Adding money from a bank card and withdrawing to one: form → fee quote → order status.

The same `payments.banks.orders` functions as `/v1/wallet/...`. The fee is shown before
anything is confirmed: a withdrawal is priced by `quote_withdrawal` (the fee schedule in
`banks/fees.yaml`, the month's free allowance, held for a few minutes); `fees.yaml` prices
withdrawals only, so a top-up's quote says ¥0.00. Orders settle when the bank answers (the
maintenance loop runs `settle_due`), so the order page shows where it stands. An order the
risk check holds waits on that page for the texted code or a review, and can be cancelled.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.payments.banks import cards, orders
from anxin.payments.banks.fees import rule_for
from anxin.payments.holds import (
    WAITING,
    cancel_hold,
    hold_for_transfer,
)
from anxin.payments.wallets import find_wallet
from anxin.web.held import answer_code, ending
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/wallet", route_class=PageRoute)

CURRENCY = "CNY"
TOPUP_FEE = 0
"""`fees.yaml` has no top-up section: adding money from a card costs nothing."""
KINDS = {"topup": orders.TOPUP, "withdraw": orders.WITHDRAWAL}


def _ip(page: Page) -> str | None:
    return page.request.client.host if page.request.client else None


def _balance(page: Page) -> int:
    wallet = find_wallet(page.services.ledger, page.signed_in_user.id, CURRENCY)
    if wallet is None:
        return 0
    return int(wallet["credits_posted"] - wallet["debits_posted"] - wallet["debits_pending"])


def _form_page(
    page: Page, kind: str, values: dict[str, str], error: AnxinError | None = None
) -> Response:
    """The top-up or withdrawal form: a verified card, an amount, and what it will cost."""
    services, user = page.services, page.signed_in_user
    usable = [c for c in cards.list_cards(services, user.id) if c["status"] == cards.VERIFIED]
    extra: dict[str, Any] = {}
    if kind == "withdraw":
        rule = rule_for(CURRENCY)
        used = orders.withdrawn_this_month(services, user.id, CURRENCY)
        extra = {"rule": rule, "free_left": max(0, rule.monthly_free_allowance - used)}
    return page.render(
        "wallet_form.html", kind=kind, status=error.status if error else 200, values=values,
        error=error, cards=usable, balance=_balance(page), currency=CURRENCY, **extra,
    )  # fmt: skip


def _values(form_get: Any) -> dict[str, str]:
    return {"card_id": form_get("card_id"), "amount": form_get("amount")}


def _money(values: dict[str, str]) -> Money:
    if not values["card_id"]:
        raise InvalidInput("choose a verified bank card", field="card_id")
    return Money.parse(values["amount"], CURRENCY, positive=True)


# -- top-up -------------------------------------------------------------------------------


@router.get("/topup")
def topup_form(page: UserPage, card_id: str = "", amount: str = "") -> Response:
    return _form_page(page, "topup", {"card_id": card_id, "amount": amount})


@router.post("/topup")
def topup_quote(page: UserPage, form: PostedForm) -> Response:
    """The quote: amount, fee (none), total taken from the card, when it arrives."""
    values = _values(form.get)
    services = page.services
    try:
        money = _money(values)
        card = cards.usable_card(services, page.signed_in_user.id, values["card_id"])
        orders.check_currency_handled(services, money.currency)
    except AnxinError as error:
        return _form_page(page, "topup", values, error)
    now = to_micros(services.clock.now())
    return page.render(
        "wallet_quote.html", kind="topup", card=card, units=money.to_minor(), money=money,
        fee=TOPUP_FEE, total=money.to_minor() + TOPUP_FEE, when=now,
        latest=now + services.bank.answer_timeout_seconds * 1_000_000, quote=None,
        idempotency_key=new_id(), bank=services.bank,
    )  # fmt: skip


@router.post("/topup/confirm")
async def topup_confirm(page: UserPage, form: PostedForm) -> Response:
    values = _values(form.get)
    try:
        money = _money(values)
        key = form.get("idempotency_key")
        if not key:
            raise InvalidInput("this confirmation has expired; start again", field="amount")
        body = {"card_id": values["card_id"], "amount": str(money), "currency": CURRENCY}
        order, _replayed = await orders.start_topup(
            page.services, page.signed_in_user, values["card_id"], money, key=key, body=body,
            ip=_ip(page),
        )  # fmt: skip
    except AnxinError as error:
        return _form_page(page, "topup", values, error)
    return page.redirect(f"/wallet/topup/{order['id']}")


# -- withdrawal ---------------------------------------------------------------------------


@router.get("/withdraw")
def withdraw_form(page: UserPage, card_id: str = "", amount: str = "") -> Response:
    return _form_page(page, "withdraw", {"card_id": card_id, "amount": amount})


@router.post("/withdraw")
def withdraw_quote(page: UserPage, form: PostedForm) -> Response:
    """Price the withdrawal (held for a few minutes) and show it before anything moves."""
    values = _values(form.get)
    services = page.services
    try:
        money = _money(values)
        quote, fee = orders.quote_withdrawal(
            services, page.signed_in_user, values["card_id"], money
        )
        card = cards.own_card(services, page.signed_in_user.id, values["card_id"])
    except AnxinError as error:
        return _form_page(page, "withdraw", values, error)
    now = to_micros(services.clock.now())
    return page.render(
        "wallet_quote.html", kind="withdraw", card=card, units=fee.amount, money=money,
        fee=fee.fee, total=fee.total, when=now, quote=quote, quote_fee=fee,
        rule=rule_for(money.currency), bank=services.bank,
        latest=now + services.bank.answer_timeout_seconds * 1_000_000,
        idempotency_key=new_id(),
    )  # fmt: skip


@router.post("/withdraw/confirm")
async def withdraw_confirm(page: UserPage, form: PostedForm) -> Response:
    """Execute the quote; its id is the ledger key, so it withdraws once however often sent."""
    values = _values(form.get)
    try:
        order, _replayed = await orders.start_withdrawal(
            page.services, page.signed_in_user, form.get("quote_id"),
            body={"quote_id": form.get("quote_id")}, ip=_ip(page),
        )  # fmt: skip
    except AnxinError as error:
        return _form_page(page, "withdraw", values, error)
    return page.redirect(f"/wallet/withdraw/{order['id']}")


# -- order status -------------------------------------------------------------------------


@router.get("/{kind}/{order_id}")
def order_status(page: UserPage, kind: str, order_id: str) -> Response:
    """Where a top-up or withdrawal stands; the bank answers later, so it may be pending."""
    return _order_page(page, kind, order_id)


def _order_page(
    page: Page, kind: str, order_id: str, code_error: AnxinError | None = None
) -> Response:
    """The order page: waiting for the bank, waiting for a code or a review (and why), or
    how it ended."""
    if kind not in KINDS:
        raise NotFound(f"there is no page {page.request.url.path!r}")
    services, user = page.services, page.signed_in_user
    order = orders.own_order(services, user.id, order_id, KINDS[kind])
    held = None
    if order["held_transfer_id"] is not None:
        held = hold_for_transfer(services.db, order["held_transfer_id"])
    return page.render(
        "wallet_order.html", status=code_error.status if code_error else 200, kind=kind,
        order=order, shown_status=order["status"], balance=_balance(page),
        pending=order["status"] == orders.PENDING,
        hold=held if held is not None and held.status == WAITING else None,
        ended=(ending(held, user.id) or "refused") if order["status"] == orders.CANCELLED else None,
        code_error=code_error,
    )  # fmt: skip


@router.post("/held/{hold_id}/code")
def enter_code(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a held order's step-up challenge with the code sent by SMS; the bank is asked
    only then."""
    kind, order_id = form.get("kind"), form.get("order_id")
    return answer_code(
        page, hold_id, form.get("code"), then=f"/wallet/{kind}/{order_id}",
        again=lambda error: _order_page(page, kind, order_id, error),
    )  # fmt: skip


@router.post("/held/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    cancel_hold(page.services, page.signed_in_user.id, hold_id)
    return page.redirect(f"/wallet/{form.get('kind')}/{form.get('order_id')}")
