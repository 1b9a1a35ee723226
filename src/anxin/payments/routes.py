"""Wallets, contacts and paying people over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency
from anxin.identity.routes import CurrentUser, DeviceId, user_json
from anxin.ledger.routes import IdempotencyKey, account_json, transfer_json
from anxin.payments import contacts as contact_store
from anxin.payments import salary
from anxin.payments.holds import hold_json
from anxin.payments.p2p import Origin, PayeeRef, pay_person
from anxin.payments.payees import match_contacts
from anxin.payments.wallets import ensure_wallet

router = APIRouter(prefix="/v1", tags=["payments"])


class WalletIn(BaseModel):
    currency: str = Field(default="CNY", examples=["USD"])


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(examples=["妈妈"])
    aliases: list[str] = Field(default_factory=list, examples=[["mum", "老妈"]])
    phone: str | None = None
    username: str | None = None


class PayeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: str | None = None
    payee: str | None = Field(default=None, description="a contact's name or alias, as said")
    phone: str | None = None
    username: str | None = None


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class P2PIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: PayeeIn
    amount: str = Field(strict=True, examples=["500.00"])
    currency: str = "CNY"
    note: str | None = Field(default=None, max_length=140)
    location: LocationIn | None = Field(
        default=None, description="Where the payer is (used only with location consent)."
    )


@router.post("/accounts", status_code=201)
@router.post("/wallets", status_code=201)
def open_wallet(body: WalletIn, request: Request, user: CurrentUser) -> JSONResponse:
    """Open the caller's wallet in a currency; an existing one is returned with 200."""
    wallet, opened = ensure_wallet(
        services_of(request).ledger, user.id, check_currency(body.currency)
    )
    return JSONResponse(account_json(wallet), status_code=201 if opened else 200)


@router.get("/contacts")
def my_contacts(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    found = contact_store.list_contacts(services.db, user.id)
    return {"contacts": [contact_store.contact_json(c) for c in found]}


@router.post("/contacts", status_code=201)
def add_contact(body: ContactIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    if bool(body.phone) == bool(body.username):
        raise InvalidInput("give the contact's phone or username (one of them)", field="phone")
    person = services.identity.find_user(username=body.username, phone=body.phone)
    contact = contact_store.add_contact(
        services.db, services.clock, user.id, body.name, body.aliases, person.id
    )
    return contact_store.contact_json(contact, person.display_name)


@router.delete("/contacts/{contact_id}", status_code=204)
def remove_contact(contact_id: str, request: Request, user: CurrentUser) -> Response:
    contact_store.remove_contact(services_of(request).db, user.id, contact_id)
    return Response(status_code=204)


@router.get("/contacts/resolve")
def resolve(q: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Which contacts a name means (exact, homophone, close spelling), best first."""
    found = match_contacts(q, contact_store.list_contacts(services_of(request).db, user.id))
    return {"query": q, "matches": [contact_store.contact_json(c) for c in found]}


class SalarySplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: str = Field(strict=True, examples=["0.3"], description="fraction of each salary")
    target: str = Field(default="savings", examples=["savings", "investment"])


@router.get("/salary-split")
def salary_split(request: Request, user: CurrentUser) -> dict[str, Any]:
    return {"rule": salary.get_rule(services_of(request), user.id)}


@router.put("/salary-split")
def set_salary_split(body: SalarySplitIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Each salary credited to the CNY wallet moves this share to savings or investment."""
    services = services_of(request)
    salary.set_rule(services, user.id, salary.parse_percent(body.percent), body.target)
    return {"rule": salary.get_rule(services, user.id)}


@router.delete("/salary-split", status_code=204)
def clear_salary_split(request: Request, user: CurrentUser) -> Response:
    salary.clear_rule(services_of(request), user.id)
    return Response(status_code=204)


@router.post(
    "/payments/p2p",
    status_code=201,
    responses={202: {"description": "Held: a step-up code, an analyst or a guardian must "
                                    "release it first; the body's `hold` says which and why"}},
)  # fmt: skip
async def pay(
    body: P2PIn, request: Request, user: CurrentUser, key: IdempotencyKey,
    device_id: DeviceId = None,
) -> JSONResponse:  # fmt: skip
    """Send money to a person by contact, name or alias, phone number or username."""
    money = Money.parse(body.amount, check_currency(body.currency), positive=True)
    ip = request.client.host if request.client else None
    where = body.location
    origin = Origin(ip, device_id or None, where.lat if where else None,
                    where.lon if where else None)  # fmt: skip
    result = await pay_person(
        services_of(request), user, PayeeRef(**body.to.model_dump()), money, note=body.note,
        idempotency_key=key, body=body.model_dump(mode="json", exclude={"location"}), ip=ip,
        origin=origin,
    )  # fmt: skip
    payload: dict[str, Any] = {
        "transfer": transfer_json(result.transfer), "to": user_json(result.recipient),
    }  # fmt: skip
    if result.hold is not None:
        payload["hold"] = hold_json(result.hold)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(payload, status_code=202 if result.hold else 201, headers=headers)
