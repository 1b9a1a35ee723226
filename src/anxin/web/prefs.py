"""Language and elder mode: where each choice is read from and where a change is kept.

Signed in, the user's remembered preferences (`anxin.identity.preferences`) decide, the same
on every device; a language never chosen follows the header switch's cookie, else the
browser's Accept-Language. Signed out, the cookies decide. The switches always set the
cookie too, so the login page keeps the language and mode just chosen.
"""

from __future__ import annotations

from fastapi import Request, Response

from anxin.api.services import Services
from anxin.identity.preferences import preferences, set_preferences
from anxin.identity.service import User
from anxin.web import session
from anxin.web.i18n import Lang, as_lang, from_accept_language


def choices(services: Services, user: User | None, request: Request) -> tuple[Lang, bool]:
    """The language and elder mode this request is shown in."""
    browser = as_lang(request.cookies.get(session.LANG_COOKIE)) or from_accept_language(
        request.headers.get("accept-language")
    )
    if user is None:
        return browser, request.cookies.get(session.ELDER_COOKIE) == "1"
    chosen = preferences(services.db, user.id)
    return chosen.language or browser, chosen.elder_mode


def save_language(
    services: Services, user: User | None, request: Request, lang: Lang, response: Response
) -> None:
    if user is not None:
        set_preferences(services.db, user.id, language=lang, clock=services.clock)
    session.keep(request, response, session.LANG_COOKIE, lang, session.YEAR)


def save_elder(
    services: Services, user: User | None, request: Request, elder: bool, response: Response
) -> None:
    if user is not None:
        set_preferences(services.db, user.id, elder_mode=elder, clock=services.clock)
    session.keep(request, response, session.ELDER_COOKIE, "1" if elder else "0", session.YEAR)
