"""Bank cards, top-ups and withdrawals over HTTP, for the signed-in owner only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import Services, services_of
from anxin.core.money import Money, check_currency
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import IdempotencyKey
from anxin.payments.banks import cards, orders
from anxin.payments.holds import hold_json

router = APIRouter(prefix="/v1", tags=["bank cards"])


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class CardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(max_length=40, examples=["6222 0000 0000 0009"])
    holder_name: str = Field(max_length=64, examples=["王小明"])


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(
        strict=True, description="the micro-deposit the bank sent", examples=["0.37"]
    )


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_id: str
    amount: str = Field(strict=True, examples=["500.00"])
    currency: str = "CNY"


class QuoteIn(TopUpIn):
    """A withdrawal is priced from the same three fields as a top-up."""


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_id: str


def _replayed(order: dict[str, Any], replayed: bool, services: Services) -> JSONResponse:
    """201 for an order sent to the bank; 202, with the hold, for one waiting for a step-up
    code or a review (the bank is asked only once that is cleared)."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    body = orders.order_json(order, services)
    held = orders.order_hold(services, order)
    if held is None:
        return JSONResponse(body, status_code=201, headers=headers)
    return JSONResponse({**body, "hold": hold_json(held)}, status_code=202, headers=headers)


@router.post("/cards", status_code=201)
def bind(body: CardIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Link a card; verify it with the amount the bank sends before using it."""
    services = services_of(request)
    card, enrolment = cards.bind_card(services, user, body.number, body.holder_name)
    return {
        **cards.card_json(card, services.bank),
        "verification": {
            "method": "micro_deposit",
            "message": enrolment.challenge,
            "sandbox_hint": enrolment.sandbox_hint,
        },
    }


@router.post("/cards/{card_id}/verify")
def verify(card_id: str, body: VerifyIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    card = cards.verify_card(services, user, card_id, body.amount)
    return cards.card_json(card, services.bank)


@router.get("/cards")
def my_cards(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    found = cards.list_cards(services, user.id)
    return {"cards": [cards.card_json(card, services.bank) for card in found]}


@router.get("/cards/{card_id}")
def my_card(card_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    return cards.card_json(cards.own_card(services, user.id, card_id), services.bank)


@router.delete("/cards/{card_id}", status_code=204)
def unlink(card_id: str, request: Request, user: CurrentUser) -> Response:
    cards.remove_card(services_of(request), user.id, card_id)
    return Response(status_code=204)


@router.post("/wallet/topups", status_code=201)
async def top_up(
    body: TopUpIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> JSONResponse:
    """Ask the bank for money from a card: pending until the bank confirms, then credited."""
    services = services_of(request)
    money = Money.parse(body.amount, check_currency(body.currency), positive=True)
    order, replayed = await orders.start_topup(
        services, user, body.card_id, money, key=key, body=body.model_dump(mode="json"),
        ip=_ip(request),
    )  # fmt: skip
    return _replayed(order, replayed, services)


@router.get("/wallet/topups/{order_id}")
def topup_status(order_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    return orders.order_json(orders.own_order(services, user.id, order_id, orders.TOPUP), services)


@router.post("/wallet/withdrawals/quote", status_code=201)
def withdrawal_quote(body: QuoteIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """The fee and total of a withdrawal, held for a few minutes; nothing moves yet."""
    services = services_of(request)
    money = Money.parse(body.amount, check_currency(body.currency), positive=True)
    quote, fee = orders.quote_withdrawal(services, user, body.card_id, money)
    return orders.quote_json(quote, fee)


@router.post("/wallet/withdrawals", status_code=201)
async def withdraw(
    body: WithdrawIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> JSONResponse:
    """Execute a quote once: amount and fee are held, then paid out when the bank confirms."""
    del key  # the quote id is the ledger's idempotency key; the header is still required
    services = services_of(request)
    order, replayed = await orders.start_withdrawal(
        services, user, body.quote_id, body=body.model_dump(mode="json"), ip=_ip(request)
    )
    return _replayed(order, replayed, services)


@router.get("/wallet/withdrawals/{order_id}")
def withdrawal_status(order_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    order = orders.own_order(services, user.id, order_id, orders.WITHDRAWAL)
    return orders.order_json(order, services)
