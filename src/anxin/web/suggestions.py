"""The home page's three most likely actions, from what the user did recently. Pure.

Each past action counts with a weight that halves every 30 days, so a monthly habit (the
electricity bill, money to mum) outranks a one-off from last quarter. Actions nobody has done
yet fill the list from a fixed default, so a new user sees the three commonest things.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

HALF_LIFE_DAYS = 30.0
DAY_MICROS = 86_400_000_000

TRANSFER, BILL, PHONE_TOPUP = "transfer", "bill", "phone_topup"
TOPUP, WITHDRAW, MERCHANT, FX = "topup", "withdraw", "merchant", "fx"

HREFS = {
    TRANSFER: "/transfer", BILL: "/bills", PHONE_TOPUP: "/bills/mobile-topup",
    TOPUP: "/wallet/topup", WITHDRAW: "/wallet/withdraw", MERCHANT: "/pay/qr", FX: "/fx",
}  # fmt: skip
"""Where each action is done; a target (payee, biller) is added as a query parameter."""

DEFAULTS: tuple[tuple[str, str | None], ...] = ((TRANSFER, None), (BILL, None), (TOPUP, None))


@dataclass(frozen=True, slots=True)
class Activity:
    """Something the user did: `action`, with whom or what (`target`), and when (micros)."""

    action: str
    target: str | None
    at: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An action to offer, with whom or what if the habit has one, and where it is done."""

    action: str
    target: str | None
    href: str


def suggest(activities: Iterable[Activity], now: int, limit: int = 3) -> list[Suggestion]:
    """The `limit` likeliest actions, best first; ties go to the most recent."""
    scores: dict[tuple[str, str | None], tuple[float, int]] = {}
    for activity in activities:
        if activity.action not in HREFS:
            continue
        age_days = max(0, now - activity.at) / DAY_MICROS
        weight = 0.5 ** (age_days / HALF_LIFE_DAYS)
        score, latest = scores.get((activity.action, activity.target), (0.0, 0))
        scores[(activity.action, activity.target)] = (score + weight, max(latest, activity.at))
    ranked = sorted(scores, key=lambda k: (-scores[k][0], -scores[k][1], k[0], k[1] or ""))
    chosen = ranked[:limit]
    for default in DEFAULTS:
        if len(chosen) >= limit:
            break
        if not any(action == default[0] for action, _target in chosen):
            chosen.append(default)
    return [_suggestion(action, target) for action, target in chosen]


def _suggestion(action: str, target: str | None) -> Suggestion:
    href = HREFS[action]
    if target is None:
        return Suggestion(action, None, href)
    parameter = "to" if action == TRANSFER else "biller"
    return Suggestion(action, target, f"{href}?{urlencode({parameter: target})}")
