"""The home page: balances, the three likeliest actions, the assistant box.

In elder mode the page is four big actions (转账, 缴费, 查余额, 问助手) and the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from anxin.core.clock import to_micros
from anxin.ledger import queries
from anxin.payments.wallets import WALLET
from anxin.privacy.consents import allowed
from anxin.web import suggestions
from anxin.web.lines import Names, activity_of, biller_name, line_from
from anxin.web.page import Page, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(route_class=PageRoute)

HABIT_WINDOW_DAYS = 90
HABIT_LINES = 200
"""Suggestions read at most this many recent lines, so home costs the same at any history."""

ELDER_ACTIONS = (
    ("/transfer", "elder.action.transfer"),
    ("/bills", "elder.action.bills"),
    ("/#balances", "elder.action.balance"),
    ("/#assistant", "elder.action.assistant"),
)


@dataclass(frozen=True, slots=True)
class Balance:
    account_id: str
    kind: str
    currency: str
    balance: int
    available: int


def balances(page: Page) -> list[Balance]:
    with page.services.db.read() as conn:
        rows = queries.accounts_of(conn, page.signed_in_user.id)
    found = [
        Balance(
            row["id"],
            row["kind"],
            row["currency"],
            row["credits_posted"] - row["debits_posted"],
            row["credits_posted"] - row["debits_posted"] - row["debits_pending"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda b: (b.kind != WALLET, b.currency != "CNY", b.kind, b.currency))


def likely_actions(page: Page, wallets: list[Balance]) -> list[dict[str, Any]]:
    """Three suggestions, from recent history only when the user allows spending analysis."""
    user = page.signed_in_user
    services = page.services
    now = to_micros(services.clock.now())
    done: list[suggestions.Activity] = []
    names = Names(services, user.id)
    if allowed(services.db, user.id, "spending_analysis"):
        window = queries.StatementFilter(since=now - HABIT_WINDOW_DAYS * 86_400_000_000)
        for wallet in (w for w in wallets if w.kind == WALLET):
            with services.db.read() as conn:
                found = queries.statement(
                    conn, wallet.account_id, cursor=None, limit=HABIT_LINES, where=window
                )
            for entry in found.entries:
                activity = activity_of(line_from(entry, wallet.currency), names)
                if activity is not None:
                    done.append(activity)
    return [_shown(page, s, names) for s in suggestions.suggest(done, now)]


def _shown(page: Page, suggestion: suggestions.Suggestion, names: Names) -> dict[str, Any]:
    if suggestion.target is None:
        label = page.t(f"suggest.{suggestion.action}")
    elif suggestion.action == suggestions.BILL:
        label = page.t("suggest.bill_to", name=biller_name(suggestion.target, page.lang))
    else:
        label = page.t(f"suggest.{suggestion.action}_to", name=names.called(suggestion.target))
    return {"label": label, "href": suggestion.href}


@router.get("/")
def home(page: UserPage) -> HTMLResponse:
    return home_page(page)


def home_page(
    page: Page, chat: list[dict[str, Any]] | None = None, session_id: str = "",
    assistant_error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    """The home page, with the assistant's latest exchange when it was just used without JS."""
    found = balances(page)
    return page.render(
        "home.html", status=status, balances=found,
        actions=[] if page.elder else likely_actions(page, found), elder_actions=ELDER_ACTIONS,
        chat=chat or [], session_id=session_id, assistant_error=assistant_error,
    )  # fmt: skip
