"""Bank cards: link one, prove it is yours with the micro-deposit, unlink it.

The same `payments.banks.cards` functions as `/v1/cards`. The bank's challenge (and, in the
sandbox, the amount it "sent") is shown once, on the page that answers the link form, since
the bank does not repeat it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.errors import AnxinError
from anxin.payments.banks import cards
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/cards", route_class=PageRoute)


def cards_page(
    page: Page, *, values: dict[str, str] | None = None, error: AnxinError | None = None,
    verify_error: AnxinError | None = None, verifying: str = "",
    challenge: dict[str, Any] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """The cards with their state, a verify form per unverified card, and the link form."""
    found = cards.list_cards(page.services, page.signed_in_user.id)
    failed = error or verify_error
    return page.render(
        "cards.html", status=failed.status if failed else status, cards=found,
        values=values or {}, error=error, verify_error=verify_error, verifying=verifying,
        challenge=challenge, bank=page.services.bank, unverified=cards.UNVERIFIED,
        verified=cards.VERIFIED,
    )  # fmt: skip


@router.get("")
def my_cards(page: UserPage) -> Response:
    return cards_page(page)


@router.post("")
def bind(page: UserPage, form: PostedForm) -> Response:
    values = {"number": form.get("number"), "holder_name": form.get("holder_name")}
    try:
        card, enrolment = cards.bind_card(
            page.services, page.signed_in_user, values["number"], values["holder_name"]
        )
    except AnxinError as error:
        return cards_page(page, values=values, error=error)
    challenge = {"message": enrolment.challenge, "hint": enrolment.sandbox_hint}
    return cards_page(page, verifying=card["id"], challenge=challenge, status=201)


@router.post("/{card_id}/verify")
def verify(page: UserPage, form: PostedForm, card_id: str) -> Response:
    try:
        cards.verify_card(page.services, page.signed_in_user, card_id, form.get("amount"))
    except AnxinError as error:
        if error.field == "amount" or error.field is None:
            error.field = "verify_amount"  # the amount asked here is the micro-deposit
        return cards_page(page, verify_error=error, verifying=card_id)
    return page.redirect("/cards")


@router.post("/{card_id}/remove")
def remove(page: UserPage, form: PostedForm, card_id: str) -> Response:
    del form  # checked for its CSRF token
    cards.remove_card(page.services, page.signed_in_user.id, card_id)
    return page.redirect("/cards")
