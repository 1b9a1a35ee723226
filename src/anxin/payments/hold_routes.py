"""Held payments over HTTP: the payer's pending step-up challenges, verify, cancel.

Routes are plain functions (FastAPI runs them in its thread pool) because releasing a hold
blocks on the ledger writer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.errors import NotFound
from anxin.identity.routes import CurrentUser
from anxin.ledger.routes import transfer_json
from anxin.payments import holds

router = APIRouter(prefix="/v1/holds", tags=["payments"])


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=12, examples=["123456"])


@router.get("")
def my_holds(request: Request, user: CurrentUser) -> dict[str, Any]:
    """The caller's payments still waiting (step-up challenges, reviews, guardians)."""
    services = services_of(request)
    holds.expire_holds(services)
    found = holds.list_holds(services.db, user_id=user.id)
    return {"holds": [holds.hold_json(h) for h in found]}


@router.get("/{hold_id}")
def my_hold(hold_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    found = holds.hold(services_of(request).db, hold_id)
    if user.id not in (found.user_id, found.approver_user_id):
        raise NotFound(f"there is no held payment {hold_id!r}", field="hold_id")
    return holds.hold_json(found)


@router.post("/{hold_id}/verify")
def verify(hold_id: str, body: CodeIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Pass a step-up challenge with the one-time code: the payment is made."""
    services = services_of(request)
    transfer = holds.verify_code(services, user.id, hold_id, body.code)
    return {"hold": holds.hold_json(holds.hold(services.db, hold_id)),
            "transfer": transfer_json(transfer)}  # fmt: skip


@router.post("/{hold_id}/cancel")
def cancel(hold_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    """The payer calls a held payment off; the money is released."""
    services = services_of(request)
    holds.cancel_hold(services, user.id, hold_id)
    return {"hold": holds.hold_json(holds.hold(services.db, hold_id))}
