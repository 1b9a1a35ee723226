"""The home page's assistant box: one message to the dialogue engine, its reply rendered.

The same `sessions.converse` the `/v1/assistant/messages` API calls. With JavaScript the box
posts here with `Accept: application/json` and appends the turns in place; without it, the
form post re-renders the home page with the exchange. Choices and 确认/取消 come back as
buttons whose value is what the user would otherwise type.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from anxin.assistant import sessions
from anxin.assistant.dialogue import Reply
from anxin.core.errors import AnxinError, InvalidInput, NotFound
from anxin.web.home import home_page
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(route_class=PageRoute)

MAX_TEXT = 500


def _turns(page: Page, said: str, reply: Reply) -> list[dict[str, Any]]:
    choices = [
        {"label": choice.get("label", ""), "value": choice.get("reply") or choice.get("id", "")}
        for choice in reply.choices
    ]
    return [
        {"who": "me", "who_label": page.t("assistant.who_me"), "text": said, "choices": []},
        {"who": "assistant", "who_label": page.t("assistant.who_assistant"),
         "text": reply.text, "choices": choices, "kind": reply.kind},
    ]  # fmt: skip


def _converse(page: Page, text: str, session_id: str | None) -> sessions.Exchange:
    user = page.signed_in_user
    try:
        return sessions.converse(page.services, user, text, session_id=session_id, elder=page.elder)
    except NotFound as error:
        if error.field != "session_id":
            raise
        # The session ended meanwhile (another tab, a timeout): carry on in the current one.
        return sessions.converse(page.services, user, text, elder=page.elder)


@router.post("/assistant")
def assistant(page: UserPage, form: PostedForm) -> Response:
    wants_json = "application/json" in page.request.headers.get("accept", "")
    text = form.get("text")
    try:
        if not text or len(text) > MAX_TEXT:
            raise InvalidInput(f"say something of 1-{MAX_TEXT} characters", field="text")
        exchange = _converse(page, text, form.optional("session_id"))
    except AnxinError as error:
        if wants_json:
            said = page.error_text(error)
            turn = {"who": "assistant", "who_label": page.t("assistant.who_assistant"),
                    "text": said, "choices": []}  # fmt: skip
            return JSONResponse(
                {"session_id": form.get("session_id"), "turns": [turn]}, status_code=error.status
            )
        return home_page(
            page, session_id=form.get("session_id"), assistant_error=page.error_text(error),
            status=error.status,
        )  # fmt: skip
    turns = _turns(page, text, exchange.reply)
    if wants_json:
        return JSONResponse({"session_id": exchange.session_id, "turns": turns})
    return home_page(page, chat=turns, session_id=exchange.session_id)
