"""Helpers for the payments pages' tests: forms' hidden fields, services, cards, merchants."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from webkit import csrf_of, post_form

from anxin.api.services import Services
from anxin.core.money import format_minor
from anxin.identity.service import User
from anxin.payments.merchants import service
from anxin.payments.wallets import find_wallet

APPROVING_CARD = "6200 0000 0000 0062"
"""The sandbox bank's card that always approves (after its short delay)."""
_HINT = re.compile(r"sandbox: the verification amount is ([0-9.]+)")
_FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def user_named(client: TestClient, username: str) -> User:
    return services_of(client).identity.find_user(username=username)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form that posts to `action` (CSRF included)."""
    for found_action, body in _FORM.findall(html):
        if unescape(found_action) == action:
            return {name: unescape(value) for name, value in _HIDDEN.findall(body)}
    raise AssertionError(f"the page has no form posting to {action}")


def submit(client: TestClient, html: str, action: str, **extra: str) -> Response:
    """Submit the page's form posting to `action`, with its hidden fields and `extra`."""
    data = {**hidden_fields(html, action), **extra}
    answer: Response = client.post(action, data=data, follow_redirects=False)
    return answer


def form_on(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    """`post_form`, answered with the page (a confirmation) rather than a redirect."""
    answer = post_form(client, page, action, data)
    assert answer.status_code == 200, answer.text
    return answer


def link_verified_card(client: TestClient, number: str = APPROVING_CARD) -> str:
    """Link a sandbox card through /cards and verify it with the amount the bank "sent"."""
    linked = post_form(client, "/cards", "/cards", {"number": number, "holder_name": "王小明"})
    assert linked.status_code == 201, linked.text
    hint = _HINT.search(linked.text)
    assert hint is not None, "the sandbox tells the verification amount"
    card_id = re.search(r'action="/cards/([^/"]+)/verify"', linked.text)
    assert card_id is not None
    verified = client.post(
        f"/cards/{card_id.group(1)}/verify",
        data={"csrf": csrf_of(linked.text), "amount": hint.group(1)},
        follow_redirects=False,
    )
    assert verified.status_code == 303, verified.text
    return card_id.group(1)


def open_merchant(client: TestClient, owner: str, name: str) -> dict[str, Any]:
    return service.create_merchant(
        services_of(client), user_named(client, owner), name, "CNY", None
    )


def merchant_qr(client: TestClient, owner: str, merchant_id: str, amount: str | None) -> str:
    qr, _payload = service.make_qr(
        services_of(client), user_named(client, owner), merchant_id, amount=amount,
        order_id=None, expires_in_seconds=900,
    )  # fmt: skip
    return qr


def balance_of(client: TestClient, username: str, currency: str = "CNY") -> str:
    """The available balance of `username`'s wallet in `currency` ("0.00" when there is none)."""
    services = services_of(client)
    found = find_wallet(services.ledger, user_named(client, username).id, currency)
    if found is None:
        return format_minor(0, currency)
    units = found["credits_posted"] - found["debits_posted"] - found["debits_pending"]
    return format_minor(int(units), currency)
