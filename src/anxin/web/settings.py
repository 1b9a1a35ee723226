"""The header switches: language (中文/English) and elder mode (大字版), remembered per user."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.errors import InvalidInput
from anxin.web import prefs, session
from anxin.web.i18n import as_lang
from anxin.web.page import AnyPage, PostedForm
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/settings", route_class=PageRoute)


@router.post("/language")
def set_language(page: AnyPage, form: PostedForm) -> Response:
    lang = as_lang(form.get("lang"))
    if lang is None:
        raise InvalidInput("language must be zh or en", field="lang")
    response = page.redirect(session.safe_next(form.get("next")))
    prefs.save_language(page.services, page.user, page.request, lang, response)
    return response


@router.post("/elder")
def set_elder(page: AnyPage, form: PostedForm) -> Response:
    """Turn elder mode on (`elder=1`) or off (`elder=0`)."""
    if form.get("elder") not in ("0", "1"):
        raise InvalidInput("elder must be 0 or 1", field="elder")
    response = page.redirect(session.safe_next(form.get("next")))
    prefs.save_elder(page.services, page.user, page.request, form.get("elder") == "1", response)
    return response
