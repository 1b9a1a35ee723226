"""Currency exchange over HTTP: rates, a locked quote, and executing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.money import Money, check_currency
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import IdempotencyKey, transfer_json
from anxin.payments.fx import service
from anxin.payments.fx.rates import SandboxRates
from anxin.payments.holds import hold_json

router = APIRouter(prefix="/v1/fx", tags=["fx"])


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sell_currency: str = Field(examples=["CNY"])
    buy_currency: str = Field(examples=["USD"])
    amount: str = Field(strict=True, description="how much to sell", examples=["1000.00"])


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_id: str


@router.get("/rates")
def rates(request: Request, base: str = "CNY") -> dict[str, Any]:
    source = services_of(request).rates
    base = check_currency(base, "base")
    return {
        "base": base,
        "source": source.name,
        "mid_rates": {
            other: str(source.mid_rate(base, other).quantize(service.RATE_PLACES).normalize())
            for other in SandboxRates.PER_CNY
            if other != base
        },
    }


@router.post("/quotes", status_code=201)
def new_quote(body: QuoteIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Lock a rate for a few seconds; the quote shows what you get and the spread as a fee."""
    sell = Money.parse(body.amount, check_currency(body.sell_currency, "sell_currency"),
                       positive=True)  # fmt: skip
    row = service.quote(
        services_of(request), user, sell, check_currency(body.buy_currency, "buy_currency")
    )
    return service.quote_json(row)


@router.post(
    "/conversions",
    status_code=201,
    responses={202: {"description": "Held: the customer's one-time code or an analyst must "
                                    "clear it; only the sell leg exists until then, and the "
                                    "body's `hold` says which and why (a replay after the hold "
                                    "released it shows it so, with the hold's status)"}},
)  # fmt: skip
async def convert(
    body: ConvertIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> JSONResponse:
    """Execute a quote once; an expired quote is a 409."""
    del key  # the quote id is the ledger's idempotency key; the header is still required
    done = await service.convert(
        services_of(request), user, body.quote_id, body.model_dump(mode="json")
    )
    headers = {"Idempotent-Replayed": "true"} if done.replayed else {}
    payload: dict[str, Any] = {
        "quote_id": body.quote_id, "transfers": [transfer_json(leg) for leg in done.legs],
    }  # fmt: skip
    if done.hold is not None:
        payload["hold"] = hold_json(done.hold)
    return JSONResponse(payload, status_code=202 if done.hold else 201, headers=headers)
