"""The in-app inbox over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from anxin.core.clock import to_micros
from anxin.identity.preferences import Language
from anxin.identity.routes import CurrentUser
from anxin.notify import service
from anxin.notify.preferences import SECURITY, load_preferences, save_preferences

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


@router.get("")
def my_inbox(
    request: Request,
    user: CurrentUser,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    lang: Language | None = None,
) -> dict[str, Any]:
    """The inbox in the user's saved language (Chinese if they never chose); `lang` asks
    for the other one."""
    with request.app.state.services.db.read() as conn:
        shown = lang or service.languages(conn, [user.id])[user.id]
        return service.inbox(conn, user.id, shown, unread_only=unread, limit=limit)


@router.get("/preferences")
def my_preferences(request: Request, user: CurrentUser) -> dict[str, Any]:
    with request.app.state.services.db.read() as conn:
        chosen = load_preferences(conn, user.id)
    return {
        "preferences": {category: list(channels) for category, channels in chosen.items()},
        "always_all_channels": [SECURITY],
    }


@router.put("/preferences")
def set_preferences(
    body: dict[str, list[str]], request: Request, user: CurrentUser
) -> dict[str, Any]:
    """Choose channels per category, e.g. {"payment": ["in_app", "sms"]}."""
    with request.app.state.services.db.write() as conn:
        save_preferences(conn, user.id, body)
    return my_preferences(request, user)


@router.post("/{notification_id}/read", status_code=204)
def mark_read(notification_id: str, request: Request, user: CurrentUser) -> Response:
    services = request.app.state.services
    with services.db.write() as conn:
        service.mark_read(conn, user.id, notification_id, to_micros(services.clock.now()))
    return Response(status_code=204)
