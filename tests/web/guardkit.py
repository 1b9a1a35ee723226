"""Helpers for the security, privacy and family page tests: texted codes, forced verdicts,
a linked card, and the fields a confirmation page carries."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from webkit import post_form, text_of

from anxin.api.services import Services
from anxin.payments.risk_hook import Decision, PaymentEvent, RiskVerdict, allow_everything
from anxin.risk.freezes import guard_frozen

REASON = {"code": "NEW_PAYEE", "zh": "第一次给这个人转账", "en": "First payment to this person"}


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def only_freezes(client: TestClient) -> None:
    """Let every payment through the risk engine, but keep the account-frozen check."""
    services = services_of(client)
    services.risk_hook = guard_frozen(services.db, allow_everything)


def challenge_everything(client: TestClient) -> None:
    """Every payment asks for a step-up code (the frozen check still runs first)."""
    _decide_everything(client, "challenge", 0.8)


def review_everything(client: TestClient) -> None:
    """Every payment is held for an analyst (the frozen check still runs first)."""
    _decide_everything(client, "review", 0.9)


def _decide_everything(client: TestClient, decision: Decision, score: float) -> None:
    services = services_of(client)

    def verdict(_event: PaymentEvent) -> RiskVerdict:
        return RiskVerdict(decision, score, (REASON["en"],), (REASON,), "ev-web-test")

    services.risk_hook = guard_frozen(services.db, verdict)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page's (first) confirmation form."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def well_formed(html: str) -> None:
    """One h1, landmarks, and a label for every input (the checks every page passes)."""
    assert html.count("<h1") == 1
    assert '<main id="main"' in html
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    for input_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        assert input_id in labelled, f"#{input_id} has no label"
    assert html.count('class="big-action"') <= 4


def transfer_by_page(client: TestClient, to: str, amount: str) -> Response:
    """Fill the transfer form, then confirm on the confirmation page (not following the
    redirect, so the caller sees where the payment landed)."""
    review = post_form(client, "/transfer", "/transfer", {"to": to, "amount": amount, "note": ""})
    assert review.status_code == 200, review.text
    confirmed: Response = client.post(
        "/transfer/confirm", data=hidden_fields(review.text), follow_redirects=False
    )
    return confirmed


def in_english(client: TestClient, elder: str) -> None:
    """Switch the browser to English, and to elder mode when `elder` is "1"."""
    post_form(client, "/", "/settings/language", {"lang": "en", "next": "/"})
    post_form(client, "/", "/settings/elder", {"elder": elder, "next": "/"})


def under_review(page: Response, elder: str, cancel: re.Pattern[str], keys: str) -> str:
    """A held payment's page while an analyst reviews it, in English: well formed, big type
    when `elder` is "1", the reason, a cancel button (`cancel`) and no code form, and no raw
    message key of the `keys` catalogue. Its visible text, for what is particular to it."""
    assert page.status_code == 200
    well_formed(page.text)
    assert ('<body class="elder"' in page.text) == (elder == "1")
    shown = text_of(page.text)
    assert "reviewed by our team" in shown and REASON["en"] in shown
    assert 'name="code"' not in page.text and cancel.search(page.text) is not None
    assert not re.search(rf"\b{keys}\.[a-z_.]+\b", shown), "no raw message keys"
    return shown
