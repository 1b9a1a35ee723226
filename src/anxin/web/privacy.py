"""The privacy centre: consent switches, the privacy audit, download my data, delete my account.

The same functions as `/v1/privacy/...` and `DELETE /v1/me`. Each consent is a real checkbox
(`role="switch"`) in its own form with a save button, so it works without JavaScript and one
save changes one purpose. Deleting the account asks for the password and is refused, with
the accounts named, while any money is left; once done the browser is logged out and lands
on the login page with a message.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError
from anxin.privacy.audit import trail
from anxin.privacy.consents import PURPOSES, allowed, consents, set_consent
from anxin.privacy.erasure import erase_account
from anxin.privacy.export import export
from anxin.web import session
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute
from anxin.web.stamps import micros_of

router = APIRouter(prefix="/privacy", route_class=PageRoute)

AUDIT_SHOWN = 50


def _audit(page: Page) -> list[dict[str, Any]]:
    """The privacy audit, newest first, in words: who did what to which purpose."""
    user = page.signed_in_user
    with page.services.db.read() as conn:
        entries = trail(conn, user.id)
    shown = []
    for entry in reversed(entries[-AUDIT_SHOWN:]):
        purpose = PURPOSES.get(entry.detail)
        detail = (purpose.title_zh if page.lang == "zh" else purpose.title_en) if purpose else ""
        shown.append({
            "at": micros_of(entry.at), "mine": entry.actor == f"user:{user.id}",
            "action": entry.action, "detail": detail,
        })  # fmt: skip
    return shown


def privacy_page(
    page: Page, *, error: AnxinError | None = None, saved: str = "", status: int = 200
) -> Response:
    views = consents(page.services.db, page.signed_in_user.id)
    return page.render(
        "privacy.html", status=error.status if error else status, consents=views,
        audit=_audit(page), error=error, saved=saved if saved in PURPOSES else "",
        money_left=error.extra.get("accounts", []) if error else [],
    )  # fmt: skip


@router.get("")
def privacy(page: UserPage, saved: str = "") -> Response:
    return privacy_page(page, saved=saved)


@router.post("/consents/{purpose}")
def change_consent(page: UserPage, form: PostedForm, purpose: str) -> Response:
    """Save one switch; withdrawing tells every capability that registered to stop (the
    assistant deletes its transcripts), as the `/v1` route does."""
    services, user = page.services, page.signed_in_user
    granted = form.get("granted") == "1"
    if allowed(services.db, user.id, purpose) != granted:
        now = to_micros(services.clock.now())
        set_consent(services.db, user.id, purpose, granted, actor=f"user:{user.id}", at=now)
        if not granted:
            for stop in services.on_consent_withdrawn:
                stop(user.id, purpose)
    return page.redirect(f"/privacy?saved={purpose}#consent-{purpose}")


@router.get("/export")
def download(page: UserPage) -> Response:
    """Everything Anxin holds about the user, as the JSON file `/v1/privacy/export` gives."""
    user = page.signed_in_user
    document = export(page.services, user)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="anxin-export-{user.id}.json"'},
    )


@router.post("/delete")
def delete_account(page: UserPage, form: PostedForm) -> Response:
    try:
        erase_account(page.services, page.signed_in_user, form.get("password"))
    except AnxinError as error:
        return privacy_page(page, error=error)
    response = page.redirect("/login?deleted=1")
    session.clear_session(page.request, response)
    return response
