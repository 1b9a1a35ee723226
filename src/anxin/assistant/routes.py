"""The assistant over HTTP: one message in, the reply (text plus structure to render) out.

The handlers are plain functions (FastAPI runs them in its thread pool) because a confirmed
action waits on the ledger writer, a biller or the bank like the API's own routes do.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.assistant import sessions
from anxin.identity.routes import CurrentUser

router = APIRouter(prefix="/v1/assistant", tags=["assistant"])


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=500, examples=["给妈妈转五百"])
    session_id: str | None = Field(
        default=None, description="the current session's id; omit to continue or start one"
    )
    elder: bool | None = Field(
        default=None, description="short sentences (大字版); default: the user's preference"
    )


@router.post("/messages")
def message(body: MessageIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Say something to the assistant. Money moves only after it restates the action in full
    and the user answers yes ("确认"); a repeated yes never pays twice."""
    exchange = sessions.converse(
        services_of(request), user, body.text, session_id=body.session_id, elder=body.elder
    )
    return {"session_id": exchange.session_id, "reply": exchange.reply.to_json()}


@router.get("/session")
def current_session(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Where the dialogue stands: what is being asked or waiting for confirmation."""
    state = sessions.load_state(services_of(request), user)
    return {"session_id": state.session_id, "state": state.to_json()}


@router.delete("/session", status_code=204)
def cancel_session(request: Request, user: CurrentUser) -> Response:
    """Drop the task in progress; nothing is paid."""
    sessions.end_session(services_of(request), user)
    return Response(status_code=204)
