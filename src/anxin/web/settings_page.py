"""The settings page: the header's two switches (language, elder mode) explained, and the
account pages elder mode keeps out of the header (security, privacy, family).

The switches post to the header's own handlers (`anxin.web.settings`); this page only shows
them with what each one changes, which the header has no room to say.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.web.page import UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/settings", route_class=PageRoute)

ACCOUNT_PAGES = (
    ("/security", "nav.security"),
    ("/privacy", "nav.privacy"),
    ("/family", "nav.family"),
)
"""Three big actions in elder mode, within the four a screen may show."""


@router.get("")
def settings(page: UserPage) -> Response:
    return page.render("settings.html", account_pages=ACCOUNT_PAGES)
