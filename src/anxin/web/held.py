"""What every page showing a held payment shares: how a released one ended, and the code
answer that shows the payment again (transfers, bills, shop payments, bank orders,
exchanges)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi.responses import Response

from anxin.core.errors import AnxinError
from anxin.payments.holds import (
    APPROVED,
    CHALLENGE,
    EXPIRED_HOLD,
    SYSTEM,
    WAITING,
    Hold,
    verify_code,
)
from anxin.web.page import Page

Ending = Literal["expired", "cancelled", "wrong_code", "refused"]


def ending(held: Hold | None, user_id: str) -> Ending | None:
    """Why a held payment was released, in words the payer knows: time ran out, they
    cancelled it, the code was wrong three times, or it was refused (an analyst, say);
    None while it waits, once it was approved, or when it was never held."""
    if held is None or held.status in (WAITING, APPROVED):
        return None
    if held.status == EXPIRED_HOLD:
        return "expired"
    if held.resolved_by == user_id:
        return "cancelled"
    if held.kind == CHALLENGE and held.resolved_by == SYSTEM:
        return "wrong_code"
    return "refused"


def answer_code(
    page: Page, hold_id: str, code: str, *, again: Callable[[AnxinError], Response], then: str
) -> Response:
    """Pass the step-up challenge and go to `then`; a wrong code shows the payment `again`
    with the error beside the field (anything else is the app's usual error page)."""
    try:
        verify_code(page.services, page.signed_in_user.id, hold_id, code)
    except AnxinError as error:
        if error.field != "code":
            raise
        return again(error)
    return page.redirect(then)
