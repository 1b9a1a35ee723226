"""Bills over HTTP: billers, bound accounts, bills, paying them, mobile top-up.

The routes are plain functions (FastAPI runs them in its thread pool) because paying waits
on the biller as well as the ledger writer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.problems import problem_response
from anxin.api.services import services_of
from anxin.core.clock import isoformat
from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency, format_minor
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import IdempotencyKey
from anxin.ledger.service import fingerprint
from anxin.payments.bills import service, store
from anxin.payments.bills.registry import BILLERS, biller_info
from anxin.payments.bills.rules import local_today, parse_period
from anxin.payments.holds import hold_json

router = APIRouter(prefix="/v1", tags=["bills"])

STATUSES = {"outstanding": store.DUE, "paid": store.PAID, "all": None}


class BindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    biller: str = Field(examples=["electricity"])
    account_number: str = Field(max_length=40, examples=["0312345678"])
    label: str | None = Field(default=None, max_length=64, examples=["家里"])


class PayOutstandingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    biller: str = Field(examples=["electricity"])
    period: str | None = Field(
        default="current",
        description="'current' (this month), 'last-month', 'YYYY-MM', or null for any period",
    )
    account_id: str | None = Field(default=None, description="which bound account, if several")


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(examples=["13800138000"])
    amount: str = Field(strict=True, examples=["50.00"])
    currency: str = "CNY"


# -- responses ----------------------------------------------------------------------------


def account_json(account: store.BillAccount) -> dict[str, Any]:
    info = BILLERS[account.biller]
    return {
        "id": account.id, "biller": account.biller, "biller_name": info.name_zh,
        "account_number": account.account_number, "label": account.label,
        "holder": account.holder, "created_at": isoformat(account.created_at),
    }  # fmt: skip


def bill_json(bill: store.Bill, today: date) -> dict[str, Any]:
    cur, outstanding = bill.currency, bill.status == store.DUE
    fee = bill.late_fee(today) if outstanding else 0
    return {
        "id": bill.id, "biller": bill.biller, "biller_name": BILLERS[bill.biller].name_zh,
        "account_id": bill.bill_account_id, "account_number": bill.account_number,
        "period": bill.period, "bill_number": bill.bill_number, "detail": bill.detail,
        "amount": format_minor(bill.amount, cur), "late_fee": format_minor(fee, cur),
        "amount_due": format_minor(bill.amount + fee if outstanding else 0, cur),
        "currency": cur, "issued_on": bill.issued_on.isoformat(),
        "due_on": bill.due_on.isoformat(), "overdue": outstanding and today > bill.due_on,
        "status": "outstanding" if outstanding else "paid", "payment_id": bill.payment_id,
        "paid_at": None if bill.paid_at is None else isoformat(bill.paid_at),
    }  # fmt: skip


def payment_json(payment: service.Payment) -> dict[str, Any]:
    return {
        "id": payment.id, "kind": payment.kind, "biller": payment.biller,
        "account_number": payment.account_number, "bill_id": payment.bill_id,
        "amount": str(payment.money), "currency": payment.currency, "status": payment.status,
        "transfer_id": payment.hold_id, "biller_reference": payment.biller_reference,
        "error": payment.error, "created_at": isoformat(payment.created_at),
        "updated_at": isoformat(payment.updated_at),
    }  # fmt: skip


def _answer(request: Request, outcome: service.PaymentOutcome) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    if outcome.error is not None:
        return problem_response(outcome.error, request, headers)
    services = services_of(request)
    payload: dict[str, Any] = {"payment": payment_json(outcome.payment)}
    if outcome.payment.bill_id is not None:
        bill = store.get_bill(services.db, outcome.payment.owner_id, outcome.payment.bill_id)
        payload["bill"] = bill_json(bill, local_today(services.clock.now()))
    if outcome.hold is not None:  # waits for the payer's code or an analyst: accepted, not done
        payload["hold"] = hold_json(outcome.hold)
    return JSONResponse(payload, status_code=202 if outcome.hold else 201, headers=headers)


HELD: Final[dict[int | str, dict[str, Any]]] = {
    202: {"description": "Held: the payer's one-time code or an analyst must clear it before "
                         "the biller is paid; the body's `hold` says which and why"},
}  # fmt: skip


# -- billers and bound accounts -----------------------------------------------------------


@router.get("/billers")
def billers(request: Request) -> dict[str, Any]:
    """The billers Anxin pays, what their account numbers look like, and their terms."""
    connector = services_of(request).billers
    return {
        "connector": connector.description,
        "sandbox": connector.sandbox,
        "billers": [
            {"code": b.code, "name_zh": b.name_zh, "name_en": b.name_en,
             "account_hint": b.account_hint, "example": b.example, "due_day": b.due_day,
             "late_fee_percent_per_day": f"{Decimal(b.late_fee_bp_per_day) / 100:.2f}"}
            for b in BILLERS.values()
        ],
    }  # fmt: skip


@router.post("/bills/accounts", status_code=201)
def bind(body: BindIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Bind a biller account (户号, phone number, room); its bills show up from this month."""
    account = store.bind_account(
        services_of(request), user, body.biller, body.account_number, body.label
    )
    return account_json(account)


@router.get("/bills/accounts")
def bound_accounts(request: Request, user: CurrentUser) -> dict[str, Any]:
    found = store.list_accounts(services_of(request).db, user.id)
    return {"accounts": [account_json(a) for a in found]}


@router.delete("/bills/accounts/{account_id}", status_code=204)
def unbind(account_id: str, request: Request, user: CurrentUser) -> Response:
    store.remove_account(services_of(request), user.id, account_id)
    return Response(status_code=204)


# -- bills --------------------------------------------------------------------------------


@router.get("/bills")
def my_bills(
    request: Request,
    user: CurrentUser,
    biller: str | None = None,
    period: Annotated[str | None, Query(examples=["this-month", "2026-11"])] = None,
    status: Annotated[str, Query(pattern="^(outstanding|paid|all)$")] = "outstanding",
) -> dict[str, Any]:
    """Bills on the caller's bound accounts (outstanding by default), fetched fresh."""
    services = services_of(request)
    today = local_today(services.clock.now())
    code = None if biller is None else biller_info(biller).code
    store.sync_owner(services, user.id, code)
    found = store.list_bills(
        services.db, user.id, biller=code, status=STATUSES[status],
        period=None if period is None else parse_period(period, today),
    )  # fmt: skip
    total = sum(b.amount_due(today) for b in found if b.status == store.DUE)
    return {"bills": [bill_json(b, today) for b in found],
            "total_due": format_minor(total, "CNY"), "currency": "CNY"}  # fmt: skip


@router.get("/bills/payments/{payment_id}")
def a_payment(payment_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    return payment_json(service.get_payment(services_of(request), user.id, payment_id))


@router.get("/bills/{bill_id}")
def a_bill(bill_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    bill = store.get_bill(services.db, user.id, bill_id)
    return bill_json(bill, local_today(services.clock.now()))


@router.post("/bills/{bill_id}/pay", status_code=201, responses=HELD)
def pay_bill(bill_id: str, request: Request, user: CurrentUser, key: IdempotencyKey) -> Response:
    """Pay a bill in full, late fee included; a bill is paid once, however often asked."""
    outcome = service.pay_bill(
        services_of(request), user, bill_id, idempotency_key=key,
        request_hash=fingerprint("bill-pay", bill_id),
    )  # fmt: skip
    return _answer(request, outcome)


@router.post("/bills/pay", status_code=201, responses=HELD)
def pay_outstanding(
    body: PayOutstandingIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> Response:
    """Pay "this month's electricity bill": the one outstanding bill of that biller and period."""
    outcome = service.pay_outstanding(
        services_of(request), user, body.biller, body.period, body.account_id,
        idempotency_key=key, request_hash=fingerprint("bill-pay-outstanding", body.model_dump()),
    )  # fmt: skip
    return _answer(request, outcome)


@router.post("/bills/mobile-topup", status_code=201, responses=HELD)
def mobile_topup(
    body: TopUpIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> Response:
    """Top up a mainland mobile number with whole yuan (¥10 to ¥500)."""
    if check_currency(body.currency) != "CNY":
        raise InvalidInput("mobile top-ups are in CNY", field="currency")
    money = Money.parse(body.amount, "CNY", positive=True)
    outcome = service.top_up_mobile(
        services_of(request), user, body.phone, money, idempotency_key=key,
        request_hash=fingerprint("mobile-topup", body.model_dump()),
    )  # fmt: skip
    return _answer(request, outcome)
