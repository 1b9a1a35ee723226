"""Helpers for the web page tests: sign up through the pages, post forms with their token."""

from __future__ import annotations

import itertools
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from anxin.payments.risk_hook import allow_everything
from conftest import ADMIN_TOKEN
from smskit import texted_code

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
PASSWORD = "correct horse battery"
_keys = itertools.count()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def idempotency_key_of(html: str) -> str:
    found = _KEY.search(html)
    assert found, "the page has no idempotency key"
    return found.group(1)


_phones = itertools.count(13700000000)


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> Response:
    """Open `page`, then post `data` to `action` with the token that page carried."""
    opened = client.get(page)
    return client.post(action, data={"csrf": csrf_of(opened.text), **data}, follow_redirects=False)


def sign_up(
    client: TestClient, username: str, display_name: str | None = None, phone: str | None = None
) -> Response:
    """Sign up through the page; like most people, with a phone number (for step-up codes)."""
    phone = str(next(_phones)) if phone is None else phone
    signed = post_form(client, "/signup", "/signup", {
        "username": username, "display_name": display_name or username, "phone": phone,
        "password": PASSWORD, "password_again": PASSWORD,
    })  # fmt: skip
    challenge = re.search(r'name="challenge_id" value="([^"]+)"', signed.text)
    if signed.status_code != 200 or challenge is None:
        return signed
    # The risk check wants the texted code first (several sign-ups from the test client's one
    # IP within the hour look like a burst): typed in from the phone, as a person would.
    finish = {"csrf": csrf_of(signed.text), "challenge_id": challenge.group(1), "next": "/",
              "code": texted_code(client)}  # fmt: skip
    return client.post("/login/code", data=finish, follow_redirects=False)


def text_of(html: str) -> str:
    """The page's visible-ish text, tags dropped, for asserting on wording."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def browser(client: TestClient) -> TestClient:
    """A second browser (its own cookies) on the same running app."""
    return TestClient(client.app, raise_server_exceptions=False)


def api_auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/v1/auth/login", json={"username": username, "password": PASSWORD}).json()[
        "token"
    ]
    return {"Authorization": f"Bearer {token}"}


def wallet(client: TestClient, username: str) -> dict[str, Any]:
    accounts = client.get("/v1/accounts", headers=api_auth(client, username)).json()["accounts"]
    return next(a for a in accounts if a["kind"] == "wallet" and a["currency"] == "CNY")


def fund(client: TestClient, username: str, amount: str) -> None:
    """Credit `username`'s CNY wallet through the admin ledger API (bank top-ups are async)."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    target = wallet(client, username)
    source = client.post(
        "/v1/ledger/accounts", headers=admin, json={"currency": "CNY", "no_overdraft": False}
    ).json()["id"]
    moved = client.post(
        "/v1/ledger/transfers",
        headers={**admin, "Idempotency-Key": f"fund-{next(_keys)}"},
        json={"debit_account_id": source, "credit_account_id": target["id"], "amount": amount,
              "currency": "CNY"},
    )  # fmt: skip
    assert moved.status_code == 201, moved.text


def pay_by_api(client: TestClient, auth: dict[str, str], to_username: str, amount: str) -> None:
    """A P2P payment through the API (`auth` from `api_auth`), to build up history quickly."""
    moved = client.post(
        "/v1/payments/p2p", headers={**auth, "Idempotency-Key": f"p2p-{next(_keys)}"},
        json={"to": {"username": to_username}, "amount": amount, "currency": "CNY"},
    )  # fmt: skip
    assert moved.status_code == 201, moved.text


def without_risk_checks(client: TestClient) -> None:
    """Let every payment through, for tests that build history rather than test the risk
    engine (which rightly challenges a burst of payments to new payees)."""
    client.app.state.services.risk_hook = allow_everything  # type: ignore[attr-defined]


def big_actions(html: str) -> int:
    return html.count('class="big-action"')
