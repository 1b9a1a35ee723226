"""The notifications inbox: newest first, unread marked, each one can be marked read.

Elder mode leaves marketing messages out (适老化: no advertising on the elder screens).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.notify import service
from anxin.notify.preferences import CATEGORIES, MARKETING
from anxin.web.page import PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/notifications", route_class=PageRoute)

SHOWN = 50
NOT_IN_ELDER_MODE = (MARKETING,)


@router.get("")
def notifications(page: UserPage, unread: bool = False) -> Response:
    kinds = tuple(c for c in CATEGORIES if c not in NOT_IN_ELDER_MODE) if page.elder else None
    with page.services.db.read() as conn:
        box = service.inbox(
            conn, page.signed_in_user.id, page.lang, unread_only=unread, limit=SHOWN,
            categories=kinds,
        )  # fmt: skip
    for item in box["notifications"]:
        item["at"] = to_micros(datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")))
    return page.render(
        "notifications.html", items=box["notifications"], unread=box["unread"],
        only_unread=unread,
    )  # fmt: skip


@router.post("/{notification_id}/read")
def mark_read(page: UserPage, form: PostedForm, notification_id: str) -> Response:
    services = page.services
    with services.db.write() as conn:
        service.mark_read(
            conn, page.signed_in_user.id, notification_id, to_micros(services.clock.now())
        )
    return page.redirect("/notifications?unread=1" if form.get("unread") else "/notifications")
