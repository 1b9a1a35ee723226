"""Bills: bound biller accounts, outstanding bills, paying one, and phone top-ups.

Every page calls what `/v1/bills...` calls (`payments.bills.store` and `.service`). Paying is
form → confirmation (biller, account, period, amount, late fee, fee, date) → result; the
confirmation carries a fresh Idempotency-Key, so a double submit replays the first payment.
Auto-pay for a bound account is a schedule (`/schedules/new?kind=bill_autopay`).
A payment the risk check holds is shown as waiting, with why, the one-time code form for a
step-up challenge and a button to cancel it, as a held transfer is (`web.transfer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.ledger.service import fingerprint
from anxin.payments.bills import service, store
from anxin.payments.bills.registry import BILLERS, normalise_account_number
from anxin.payments.bills.rules import check_topup_amount, local_today, period_of
from anxin.payments.holds import (
    WAITING,
    Hold,
    cancel_hold,
    hold_for_transfer,
)
from anxin.payments.schedules.service import ACTIVE, AUTOPAY, list_schedules
from anxin.web.forms import Form
from anxin.web.held import answer_code, ending
from anxin.web.lines import biller_name
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/bills", route_class=PageRoute)

BILL_FEE = 0
"""Anxin charges nothing to pay a bill; the confirmation still says so, in figures."""
TOPUP_CHOICES = (30, 50, 100, 200, 300, 500)
ELDER_TOPUP_CHOICES = (50, 100, 200)
"""Whole yuan, within the carriers' ¥10-¥500 (`bills.rules.check_topup_amount`)."""
BIND_FIELDS = ("biller", "account_number", "label")


@dataclass(frozen=True, slots=True)
class ShownBill:
    bill: store.Bill
    biller: str
    label: str | None
    late_fee: int
    due: int
    overdue: bool


def _shown(page: Page, bill: store.Bill, labels: dict[str, str | None]) -> ShownBill:
    today = local_today(page.services.clock.now())
    return ShownBill(
        bill, biller_name(bill.biller, page.lang), labels.get(bill.bill_account_id),
        bill.late_fee(today), bill.amount_due(today), today > bill.due_on,
    )  # fmt: skip


def _bills_page(
    page: Page, values: dict[str, str] | None = None, error: AnxinError | None = None
) -> Response:
    """Accounts, outstanding bills (fetched fresh from the billers) and this month's paid."""
    services, user = page.services, page.signed_in_user
    store.sync_owner(services, user.id)
    accounts = store.list_accounts(services.db, user.id)
    labels = {a.id: a.label for a in accounts}
    current = period_of(local_today(services.clock.now()))
    due = store.list_bills(services.db, user.id, status=store.DUE)
    paid = store.list_bills(services.db, user.id, status=store.PAID, period=current)
    autopay = {
        s.bill_account_id: s.id
        for s in list_schedules(services.db, user.id)
        if s.kind == AUTOPAY and s.status == ACTIVE
    }
    shown_due = [_shown(page, b, labels) for b in due]
    return page.render(
        "bills.html", status=error.status if error else 200, error=error,
        values=values or {}, billers=list(BILLERS.values()), accounts=accounts,
        due=shown_due, paid=[_shown(page, b, labels) for b in paid], autopay=autopay,
        total_due=sum(b.due for b in shown_due), biller_name=biller_name,
    )  # fmt: skip


@router.get("")
def bills(page: UserPage, biller: str = "") -> Response:
    return _bills_page(page, {"biller": biller if biller in BILLERS else ""})


@router.post("/accounts")
def bind(page: UserPage, form: PostedForm) -> Response:
    """Bind a biller account; its bills show up at once. Errors keep what was typed."""
    values = {name: form.get(name) for name in BIND_FIELDS}
    try:
        store.bind_account(
            page.services, page.signed_in_user, values["biller"], values["account_number"],
            values["label"] or None,
        )  # fmt: skip
    except AnxinError as error:
        return _bills_page(page, values, error)
    return page.redirect("/bills")


@router.post("/accounts/{account_id}/remove")
def unbind(page: UserPage, form: PostedForm, account_id: str) -> Response:
    del form  # checked for its CSRF token
    store.remove_account(page.services, page.signed_in_user.id, account_id)
    return page.redirect("/bills")


@router.get("/{bill_id}/pay")
def confirm_bill(page: UserPage, bill_id: str) -> Response:
    return _confirm_page(page, bill_id)


def _confirm_page(page: Page, bill_id: str, error: AnxinError | None = None) -> Response:
    """The confirmation restating everything; nothing moves until it is submitted."""
    services, user = page.services, page.signed_in_user
    bill = store.get_bill(services.db, user.id, bill_id)
    if bill.status == store.PAID and bill.payment_id:
        return page.redirect(f"/bills/payments/{bill.payment_id}")
    account = store.get_account(services.db, user.id, bill.bill_account_id)
    return page.render(
        "bills_confirm.html", status=error.status if error else 200, error=error,
        shown=_shown(page, bill, {account.id: account.label}), fee=BILL_FEE,
        when=to_micros(services.clock.now()), idempotency_key=new_id(),
    )  # fmt: skip


@router.post("/{bill_id}/pay")
def pay(page: UserPage, form: PostedForm, bill_id: str) -> Response:
    """Pay the bill in full; the confirmation's key makes a second submit replay the first."""
    try:
        outcome = service.pay_bill(
            page.services, page.signed_in_user, bill_id, idempotency_key=_key(form),
            request_hash=fingerprint("bill-pay", bill_id),
        )  # fmt: skip
    except AnxinError as error:
        payment_id = error.extra.get("payment_id")
        if isinstance(payment_id, str):
            return page.redirect(f"/bills/payments/{payment_id}")
        return _confirm_page(page, bill_id, error)
    return page.redirect(f"/bills/payments/{outcome.payment.id}")


def _key(form: Form) -> str:
    key = form.get("idempotency_key")
    if not key:
        raise InvalidInput("this confirmation has expired; start again", field="idempotency_key")
    return key


@router.get("/payments/{payment_id}")
def payment(page: UserPage, payment_id: str) -> Response:
    return _payment_page(page, payment_id)


def _payment_page(page: Page, payment_id: str, code_error: AnxinError | None = None) -> Response:
    """How a bill payment or top-up stands: paid, waiting (for the biller, or for a code or a
    review, and why), or why not (nothing charged then)."""
    services, user = page.services, page.signed_in_user
    found = service.get_payment(services, user.id, payment_id)
    bill = None if found.bill_id is None else store.get_bill(services.db, user.id, found.bill_id)
    # Only a risk hold has a row; the pending transfer of a plain reservation has none.
    held = None if found.hold_id is None else hold_for_transfer(services.db, found.hold_id)
    waiting_for_user = (
        found.status == service.WAITING and held is not None and held.status == WAITING
    )
    return page.render(
        "bills_paid.html", status=code_error.status if code_error else 200, payment=found,
        bill=bill, failure=service.payment_error(found),
        biller=biller_name(found.biller, page.lang), paid=found.status == service.PAID,
        waiting=found.status in (*service.IN_FLIGHT, service.WAITING),
        hold=held if waiting_for_user else None, ended=_ended(held, user.id),
        code_error=code_error,
    )  # fmt: skip


@router.post("/held/{hold_id}/code")
def enter_code(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a held payment's step-up challenge with the code sent by SMS; the biller is
    asked only then."""
    payment_id = form.get("payment_id")
    return answer_code(
        page, hold_id, form.get("code"), then=f"/bills/payments/{payment_id}",
        again=lambda error: _payment_page(page, payment_id, error),
    )  # fmt: skip


def _ended(held: Hold | None, user_id: str) -> str | None:
    """A refusal is told by the payment's own error, which says more than "refused"."""
    said = ending(held, user_id)
    return None if said == "refused" else said


@router.post("/held/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    cancel_hold(page.services, page.signed_in_user.id, hold_id)
    return page.redirect(f"/bills/payments/{form.get('payment_id')}")


# -- phone top-up -------------------------------------------------------------------------


def _topup_values(form: Form) -> dict[str, str]:
    return {name: form.get(name) for name in ("phone", "amount", "other_amount")}


def _topup_form(page: Page, values: dict[str, str], error: AnxinError | None = None) -> Response:
    if error is not None and error.field == "amount":
        error.field = "topup_amount"  # the carriers' whole-yuan range, not any amount
    return page.render(
        "bills_topup.html", status=error.status if error else 200, values=values, error=error,
        choices=ELDER_TOPUP_CHOICES if page.elder else TOPUP_CHOICES,
    )  # fmt: skip


@router.get("/mobile-topup")
def topup_form(page: UserPage, phone: str = "") -> Response:
    own = page.signed_in_user.phone or ""
    return _topup_form(page, {"phone": phone or own.removeprefix("+86"), "amount": "50"})


def _topup_order(values: dict[str, str]) -> tuple[str, Money]:
    """The number and amount a top-up form asks for, checked as the carrier would."""
    number = normalise_account_number(BILLERS["mobile"], values["phone"], field="phone")
    money = Money.parse(values["other_amount"] or values["amount"], "CNY", positive=True)
    check_topup_amount(money)
    return number, money


@router.post("/mobile-topup")
def review_topup(page: UserPage, form: PostedForm) -> Response:
    values = _topup_values(form)
    try:
        number, money = _topup_order(values)
    except AnxinError as error:
        return _topup_form(page, values, error)
    return page.render(
        "bills_topup_confirm.html", phone=number, money=money, units=money.to_minor(),
        fee=BILL_FEE, when=to_micros(page.services.clock.now()), idempotency_key=new_id(),
    )  # fmt: skip


@router.post("/mobile-topup/confirm")
def confirm_topup(page: UserPage, form: PostedForm) -> Response:
    values = {"phone": form.get("phone"), "amount": form.get("amount"), "other_amount": ""}
    try:
        number, money = _topup_order(values)
        outcome = service.top_up_mobile(
            page.services, page.signed_in_user, number, money, idempotency_key=_key(form),
            request_hash=fingerprint("mobile-topup", _topup_body(number, money)),
        )  # fmt: skip
    except AnxinError as error:
        return _topup_form(page, values, error)
    return page.redirect(f"/bills/payments/{outcome.payment.id}")


def _topup_body(number: str, money: Money) -> dict[str, Any]:
    return {"phone": number, "amount": str(money), "currency": money.currency}
