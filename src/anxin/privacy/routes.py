"""The privacy centre over HTTP: consents, the data export, account deletion."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.clock import to_micros
from anxin.identity.routes import CurrentUser
from anxin.privacy.audit import trail
from anxin.privacy.consents import PURPOSES, consents, set_consent
from anxin.privacy.erasure import erase_account
from anxin.privacy.export import export
from anxin.privacy.views import consent_json

router = APIRouter(prefix="/v1", tags=["privacy"])


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool = Field(strict=True)


class DeleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=200)


@router.get("/privacy/consents")
def my_consents(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Each purpose, what it is used for, what stops when off, and the caller's choice."""
    views = consents(services_of(request).db, user.id)
    return {"consents": [consent_json(view) for view in views]}


@router.put("/privacy/consents/{purpose}")
def change_consent(
    purpose: str, body: ConsentIn, request: Request, user: CurrentUser
) -> dict[str, Any]:
    services = services_of(request)
    now = to_micros(services.clock.now())
    set_consent(services.db, user.id, purpose, body.granted, actor=f"user:{user.id}", at=now)
    if not body.granted:
        for stop in services.on_consent_withdrawn:
            stop(user.id, purpose)
    view = next(v for v in consents(services.db, user.id) if v.purpose is PURPOSES[purpose])
    return consent_json(view)


@router.get("/privacy/audit")
def my_privacy_audit(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Who changed the caller's consents, exported or erased their data, and when."""
    with services_of(request).db.read() as conn:
        entries = trail(conn, user.id)
    return {
        "audit": [
            {"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail} for e in entries
        ]
    }


@router.get("/privacy/export")
def download_export(request: Request, user: CurrentUser) -> Response:
    """Everything Anxin holds about the caller, as a JSON file to keep."""
    document = export(services_of(request), user)
    filename = f"anxin-export-{user.id}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/me", status_code=204)
def delete_account(body: DeleteIn, request: Request, user: CurrentUser) -> Response:
    """Delete the caller's account; refused while any money is left (withdraw first)."""
    erase_account(services_of(request), user, body.password)
    return Response(status_code=204)
