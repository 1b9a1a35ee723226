"""Ledger over HTTP: the admin API under `/v1/ledger` and a user's own accounts under `/v1`.

Money-moving POSTs require an `Idempotency-Key` and go through the group-commit writer; the
same key with the same body answers with the original result (marked `Idempotent-Replayed`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.problems import problem_response
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import NotFound
from anxin.core.money import Money, check_currency, format_minor
from anxin.identity.routes import CurrentUser, require_admin
from anxin.ledger import queries
from anxin.ledger.posting import Command, Create, Post, TransferRow, TransferSpec, Void
from anxin.ledger.service import Ledger, fingerprint
from anxin.ledger.service import Request as LedgerRequest
from anxin.ledger.verify import verify

admin = APIRouter(
    prefix="/v1/ledger", tags=["ledger (admin)"], dependencies=[Depends(require_admin)]
)
mine = APIRouter(prefix="/v1", tags=["accounts"])

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)]
MAX_TIMEOUT_SECONDS = 30 * 86_400


def ledger_of(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.services.ledger
    return ledger


# -- request bodies ---------------------------------------------------------------------


class AccountIn(BaseModel):
    currency: str = Field(examples=["CNY"])
    no_overdraft: bool = True
    kind: str = Field(default="general", max_length=32)
    owner_id: str | None = None
    metadata: dict[str, Any] | None = None


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debit_account_id: str
    credit_account_id: str
    amount: str = Field(strict=True, examples=["12.34"])
    currency: str = Field(examples=["CNY"])
    pending: bool = False
    timeout_seconds: int | None = Field(default=None, ge=1, le=MAX_TIMEOUT_SECONDS)
    effective_at: datetime | None = None
    metadata: dict[str, Any] | None = None

    def spec(self, field_prefix: str = "", reverses_id: str | None = None) -> TransferSpec:
        money = Money.parse(
            self.amount,
            check_currency(self.currency, field_prefix + "currency"),
            positive=True,
            field=field_prefix + "amount",
        )
        return TransferSpec(
            debit_account_id=self.debit_account_id,
            credit_account_id=self.credit_account_id,
            amount=money.to_minor(),
            currency=money.currency,
            pending=self.pending,
            timeout_seconds=self.timeout_seconds,
            effective_at=to_micros(self.effective_at) if self.effective_at else None,
            meta=self.metadata,
            reverses_id=reverses_id,
        )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transfers: list[TransferIn] = Field(min_length=1, max_length=100)


class AmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str | None = Field(default=None, strict=True, examples=["5.00"])


class MyTransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_account_id: str
    to_account_id: str
    amount: str = Field(strict=True, examples=["500.00"])
    currency: str = Field(default="CNY")
    note: str | None = Field(default=None, max_length=140)


# -- responses --------------------------------------------------------------------------


def account_json(row: dict[str, Any]) -> dict[str, Any]:
    cur = row["currency"]
    balance = row["credits_posted"] - row["debits_posted"]
    pending = row["credits_pending"] - row["debits_pending"]
    return {
        "id": row["id"],
        "currency": cur,
        "kind": row["kind"],
        "owner_id": row["owner_id"],
        "no_overdraft": row["no_overdraft"],
        "balance": format_minor(balance, cur),
        "pending_balance": format_minor(balance + pending, cur),
        "available_balance": format_minor(balance - row["debits_pending"], cur),
        "debits_posted": format_minor(row["debits_posted"], cur),
        "credits_posted": format_minor(row["credits_posted"], cur),
        "debits_pending": format_minor(row["debits_pending"], cur),
        "credits_pending": format_minor(row["credits_pending"], cur),
        "metadata": row["meta"],
        "created_at": isoformat(row["created_at"]),
    }


def transfer_json(row: TransferRow) -> dict[str, Any]:
    cur = row.currency
    return {
        "id": row.id,
        "status": row.status,
        "debit_account_id": row.debit_account_id,
        "credit_account_id": row.credit_account_id,
        "amount": format_minor(row.amount, cur),
        "posted_amount": None
        if row.posted_amount is None
        else format_minor(row.posted_amount, cur),
        "currency": cur,
        "batch_id": row.batch_id,
        "reverses_id": row.reverses_id,
        "metadata": row.meta,
        "effective_at": isoformat(row.effective_at),
        "created_at": isoformat(row.created_at),
        "expires_at": None if row.expires_at is None else isoformat(row.expires_at),
        "resolved_at": None if row.resolved_at is None else isoformat(row.resolved_at),
    }


def entry_json(entry: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "seq": entry["account_seq"],
        "transfer_id": entry["transfer_id"],
        "amount": format_minor(entry["amount"], currency),
        "balance_after": format_minor(entry["balance_after"], currency),
        "effective_at": isoformat(entry["effective_at"]),
        "recorded_at": isoformat(entry["recorded_at"]),
    }


async def _submit(
    request: Request,
    command: Command,
    key: str,
    scope: str,
    operation: str,
    body: Any,
    *,
    single: bool = True,
) -> JSONResponse:
    services = request.app.state.services
    result = await services.writer.execute_async(
        LedgerRequest(command, key, scope, fingerprint(operation, body))
    )
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    if result.error is not None:
        return problem_response(result.error, request, headers)
    payload: Any = [transfer_json(row) for row in result.transfers]
    if single:
        payload = payload[0]
    else:
        payload = {"batch_id": result.transfers[0].batch_id, "transfers": payload}
    return JSONResponse(payload, status_code=201, headers=headers)


# -- admin ------------------------------------------------------------------------------


@admin.post("/accounts", status_code=201)
def create_account(body: AccountIn, request: Request) -> dict[str, Any]:
    row = ledger_of(request).open_account(
        body.currency,
        no_overdraft=body.no_overdraft,
        owner_id=body.owner_id,
        kind=body.kind,
        meta=body.metadata,
    )
    return account_json(row)


@admin.get("/accounts/{account_id}")
def get_account(account_id: str, request: Request) -> dict[str, Any]:
    return account_json(ledger_of(request).account(account_id))


@admin.get("/accounts/{account_id}/balance")
def get_balance_at(account_id: str, request: Request, at: datetime) -> dict[str, Any]:
    return _balance_at(ledger_of(request), account_id, at)


@admin.get("/accounts/{account_id}/history")
def get_history(
    account_id: str,
    request: Request,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    return _history(ledger_of(request), account_id, cursor, limit)


@admin.post("/transfers", status_code=201)
async def create_transfer(body: TransferIn, request: Request, key: IdempotencyKey) -> JSONResponse:
    command = Create((body.spec(),))
    return await _submit(request, command, key, "admin", "transfer", body.model_dump(mode="json"))


@admin.post("/batches", status_code=201)
async def create_batch(body: BatchIn, request: Request, key: IdempotencyKey) -> JSONResponse:
    command = Create(tuple(t.spec(f"transfers[{i}].") for i, t in enumerate(body.transfers)))
    return await _submit(
        request, command, key, "admin", "batch", body.model_dump(mode="json"), single=False
    )


@admin.get("/transfers/{transfer_id}")
def get_transfer(transfer_id: str, request: Request) -> dict[str, Any]:
    return transfer_json(ledger_of(request).transfer(transfer_id))


@admin.post("/transfers/{transfer_id}/post", status_code=201)
async def post_pending(
    transfer_id: str, request: Request, key: IdempotencyKey, body: AmountIn | None = None
) -> JSONResponse:
    body = body or AmountIn()
    held = ledger_of(request).transfer(transfer_id)
    amount = (
        None
        if body.amount is None
        else Money.parse(body.amount, held.currency, positive=True).to_minor()
    )
    return await _submit(
        request, Post(transfer_id, amount), key, "admin", "post", [transfer_id, body.amount]
    )


@admin.post("/transfers/{transfer_id}/void", status_code=201)
async def void_pending(transfer_id: str, request: Request, key: IdempotencyKey) -> JSONResponse:
    return await _submit(request, Void(transfer_id), key, "admin", "void", transfer_id)


@admin.post("/transfers/{transfer_id}/reverse", status_code=201)
async def reverse(
    transfer_id: str, request: Request, key: IdempotencyKey, body: AmountIn | None = None
) -> JSONResponse:
    """Move posted money back as a new transfer; reversals are capped at what was posted."""
    body = body or AmountIn()
    original = ledger_of(request).transfer(transfer_id)
    amount = original.posted_amount or 0
    if body.amount is not None:
        amount = Money.parse(body.amount, original.currency, positive=True).to_minor()
    spec = TransferSpec(
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        amount=amount,
        currency=original.currency,
        reverses_id=original.id,
        meta={"reason": "reversal"},
    )
    return await _submit(
        request, Create((spec,)), key, "admin", "reverse", [transfer_id, body.amount]
    )


@admin.get("/verify")
def verify_ledger(request: Request) -> dict[str, Any]:
    with ledger_of(request).db.read() as conn:
        report = verify(conn)
    return {
        "ok": report.ok,
        "accounts": report.accounts,
        "entries": report.entries,
        "transfers": report.transfers,
        "problems": report.problems[:100],
    }


# -- a user's own accounts --------------------------------------------------------------


def _own_account(ledger: Ledger, account_id: str, user_id: str) -> dict[str, Any]:
    """The account if the caller owns it; otherwise 404, so ids of others reveal nothing."""
    try:
        row = ledger.account(account_id)
    except NotFound:
        row = None
    if row is None or row["owner_id"] != user_id:
        raise NotFound(f"you have no account {account_id!r}")
    return row


@mine.get("/accounts")
def my_accounts(request: Request, user: CurrentUser) -> dict[str, Any]:
    with ledger_of(request).db.read() as conn:
        rows = queries.accounts_of(conn, user.id)
    return {"accounts": [account_json(row) for row in rows]}


@mine.get("/accounts/{account_id}")
def my_account(account_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    return account_json(_own_account(ledger_of(request), account_id, user.id))


@mine.get("/accounts/{account_id}/balance")
def my_balance_at(
    account_id: str, request: Request, user: CurrentUser, at: datetime
) -> dict[str, Any]:
    ledger = ledger_of(request)
    _own_account(ledger, account_id, user.id)
    return _balance_at(ledger, account_id, at)


@mine.get("/accounts/{account_id}/history")
def my_history(
    account_id: str,
    request: Request,
    user: CurrentUser,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    ledger = ledger_of(request)
    _own_account(ledger, account_id, user.id)
    return _history(ledger, account_id, cursor, limit)


@mine.post("/transfers", status_code=201)
async def my_transfer(
    body: MyTransferIn, request: Request, user: CurrentUser, key: IdempotencyKey
) -> JSONResponse:
    """Pay from one of the caller's accounts to any account in the same currency."""
    ledger = ledger_of(request)
    _own_account(ledger, body.from_account_id, user.id)
    money = Money.parse(body.amount, check_currency(body.currency), positive=True)
    spec = TransferSpec(
        debit_account_id=body.from_account_id,
        credit_account_id=body.to_account_id,
        amount=money.to_minor(),
        currency=money.currency,
        meta={"note": body.note, "by": user.id} if body.note else {"by": user.id},
    )
    return await _submit(
        request, Create((spec,)), key, f"user:{user.id}", "transfer", body.model_dump(mode="json")
    )


@mine.get("/transfers/{transfer_id}")
def my_transfer_status(transfer_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    ledger = ledger_of(request)
    row = ledger.transfer(transfer_id)
    owners = {
        ledger.account(row.debit_account_id)["owner_id"],
        ledger.account(row.credit_account_id)["owner_id"],
    }
    if user.id not in owners:
        raise NotFound(f"you have no transfer {transfer_id!r}")
    return transfer_json(row)


# -- shared read helpers ----------------------------------------------------------------


def _balance_at(ledger: Ledger, account_id: str, at: datetime) -> dict[str, Any]:
    row = ledger.account(account_id)
    with ledger.db.read() as conn:
        units = queries.balance_at(conn, account_id, to_micros(at))
    return {
        "account_id": account_id,
        "at": isoformat(to_micros(at)),
        "balance": format_minor(units, row["currency"]),
    }


def _history(ledger: Ledger, account_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    currency = ledger.account(account_id)["currency"]
    with ledger.db.read() as conn:
        page = queries.history(conn, account_id, cursor=cursor, limit=limit)
    return {
        "entries": [entry_json(e, currency) for e in page.entries],
        "next_cursor": page.next_cursor,
    }
