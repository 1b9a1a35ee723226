"""Merchants over HTTP: open one, show a QR code, pay by QR, refund, trades, statements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.clock import isoformat
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import IdempotencyKey
from anxin.payments.holds import Hold, hold_json
from anxin.payments.merchants import service
from anxin.payments.merchants.reconcile import ledger_lines, write_statement
from anxin.payments.merchants.settlement import settlement_json, settlements_of

router = APIRouter(prefix="/v1/merchants", tags=["merchants"])


class MerchantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, examples=["小明咖啡"])
    currency: str = "CNY"
    payout_card_id: str | None = Field(
        default=None, description="a verified card of yours; daily settlement pays to it"
    )


class QrIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(
        default=None, strict=True, description="fixed amount; omit for an open code"
    )
    order_id: str | None = Field(default=None, max_length=64)
    expires_in_seconds: int = Field(default=900, description="at most a year")


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qr: str = Field(max_length=2000)
    amount: str | None = Field(default=None, strict=True, description="for an open code")


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(default=None, strict=True, description="default: all that is left")


def _created(trade: dict[str, Any], replayed: bool, hold: Hold | None = None) -> JSONResponse:
    """The trade made (201), or, beside the hold it waits on, the one it will be (202)."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    body = service.trade_json(trade)
    if hold is not None:
        body["hold"] = hold_json(hold)
    return JSONResponse(body, status_code=202 if hold else 201, headers=headers)


@router.post("", status_code=201)
def open_merchant(body: MerchantIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    row = service.create_merchant(services, user, body.name, body.currency, body.payout_card_id)
    return service.merchant_json(row, services)


@router.get("")
def my_merchants(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    rows = service.my_merchants(services, user.id)
    return {"merchants": [service.merchant_json(row, services) for row in rows]}


@router.post(
    "/pay",
    status_code=201,
    responses={202: {"description": "Held: the payer's one-time code or an analyst must clear "
                                    "it before the merchant is paid; the body's `hold` says "
                                    "which and why"}},
)  # fmt: skip
async def pay(
    body: PayIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> JSONResponse:
    """Pay the merchant whose code was scanned; a tampered or expired code is a 422, an order
    already paid or being paid a 409."""
    paid = await service.pay_by_qr(
        services_of(request), user, body.qr, body.amount, key=key,
        body=body.model_dump(mode="json"),
        ip=request.client.host if request.client else None,
    )  # fmt: skip
    return _created(paid.trade, paid.replayed, paid.hold)


@router.post("/payments/{transfer_id}/refunds", status_code=201)
async def refund(
    transfer_id: str, request: Request, user: CurrentUser, key: IdempotencyKey,
    body: RefundIn | None = None,
) -> JSONResponse:  # fmt: skip
    """Refund part or all of a payment; all refunds together never exceed what was paid."""
    body = body or RefundIn()
    trade, replayed = await service.refund(
        services_of(request), user, transfer_id, body.amount, key=key,
        body=body.model_dump(mode="json"),
    )  # fmt: skip
    return _created(trade, replayed)


@router.get("/{merchant_id}")
def get_merchant(merchant_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    return service.merchant_json(service.own_merchant(services, user.id, merchant_id), services)


@router.post("/{merchant_id}/qr", status_code=201)
def new_qr(merchant_id: str, body: QrIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """A signed code to show the payer: fixed amount or open, optional order id, expiry."""
    qr, payload = service.make_qr(
        services_of(request), user, merchant_id, amount=body.amount, order_id=body.order_id,
        expires_in_seconds=body.expires_in_seconds,
    )  # fmt: skip
    return {
        "qr": qr,
        "merchant_id": payload.merchant_id,
        "amount": None if payload.amount is None else str(payload.amount),
        "currency": payload.currency,
        "order_id": payload.order_id,
        "expires_at": isoformat(payload.expires_at),
    }


@router.get("/{merchant_id}/payments")
def payments(
    merchant_id: str, request: Request, user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:  # fmt: skip
    services = services_of(request)
    service.own_merchant(services, user.id, merchant_id)
    found = service.payments_of(services, merchant_id, limit=limit)
    return {"payments": [service.trade_json(trade) for trade in found]}


@router.get("/{merchant_id}/statement")
def statement(
    merchant_id: str, request: Request, user: CurrentUser, day: Annotated[date, Query(alias="date")]
) -> Response:
    """The day's trades as the CSV `anxin payments reconcile` reads."""
    services = services_of(request)
    service.own_merchant(services, user.id, merchant_id)
    with services.db.read() as conn:
        lines = ledger_lines(conn, [day], merchant_id=merchant_id)
    return Response(
        write_statement(lines), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{merchant_id}-{day}.csv"'},
    )  # fmt: skip


@router.get("/{merchant_id}/settlements")
def settlements(merchant_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    service.own_merchant(services, user.id, merchant_id)
    return {"settlements": [settlement_json(r) for r in settlements_of(services, merchant_id)]}
