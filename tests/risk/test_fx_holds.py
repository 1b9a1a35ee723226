"""Currency exchanges the risk check holds: they wait for the texted code or an analyst, like
a transfer, instead of being refused; only the sell leg is reserved meanwhile, and the bought
currency is paid out, at the quoted rate, in the transaction that clears the hold."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from holdkit import force, services_of

from anxin.core.clock import ManualClock
from anxin.core.errors import InvalidState
from anxin.ledger.posting import Post, Void
from anxin.payments import holds
from peoplekit import People, people_past_reviews
from smskit import texted_code


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_past_reviews(client, admin)


@pytest.fixture
def traveller(people: People) -> dict[str, str]:
    headers = people.sign_up("xiaohong", "13800000001", "小红")
    people.fund(headers, "10000.00")
    return headers


def _quote(client: TestClient, headers: dict[str, str]) -> str:
    body = {"sell_currency": "CNY", "buy_currency": "USD", "amount": "1000.00"}
    offered = client.post("/v1/fx/quotes", json=body, headers=headers)
    assert offered.status_code == 201, offered.text
    return str(offered.json()["id"])


def _convert(client: TestClient, headers: dict[str, str], quote_id: str, key: str) -> Any:
    return client.post("/v1/fx/conversions", json={"quote_id": quote_id},
                       headers={**headers, "Idempotency-Key": key})  # fmt: skip


def _wallets(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each wallet's (balance, available balance) by currency."""
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    return {a["currency"]: (a["balance"], a["available_balance"]) for a in accounts}


def _titles(client: TestClient, headers: dict[str, str]) -> list[str]:
    found = client.get("/v1/notifications", headers=headers).json()["notifications"]
    return [n["title"] for n in found]


def _verified(client: TestClient, people: People) -> None:
    report = client.get("/v1/ledger/verify", headers=people.admin).json()
    assert report["ok"], report["problems"]


def test_a_challenged_exchange_waits_for_the_code_then_buys_at_the_quoted_rate(
    client: TestClient, people: People, traveller: dict[str, str], clock: ManualClock
) -> None:
    force(client, "challenge")
    quote_id = _quote(client, traveller)
    held = _convert(client, traveller, quote_id, "fx-1")
    assert held.status_code == 202, held.text
    hold, [sell_leg] = held.json()["hold"], held.json()["transfers"]
    assert hold["kind"] == "challenge" and hold["purpose"] == "fx" and hold["channel"] == "fx"
    assert hold["amount"] == "1000.00" and hold["transfer_id"] == sell_leg["id"]
    assert sell_leg["status"] == "pending"
    assert _wallets(client, traveller)["CNY"] == ("10000.00", "9000.00")  # set aside, not sold
    assert _wallets(client, traveller).get("USD", ("0.00", "0.00")) == ("0.00", "0.00")
    assert "换汇¥1,000.00等待验证码" in _titles(client, traveller)

    replay = _convert(client, traveller, quote_id, "fx-2")  # the quote id is the key
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["hold"]["id"] == hold["id"]

    clock.advance(60)  # the 30-second quote has expired: the rate it locked still holds
    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=traveller)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["hold"]["status"] == "approved"
    assert _wallets(client, traveller) == {
        "CNY": ("9000.00", "9000.00"), "USD": ("137.31", "137.31"),
    }  # fmt: skip
    assert "换汇成功：¥1,000.00 → $137.31" in _titles(client, traveller)

    after = _convert(client, traveller, quote_id, "fx-3")
    assert after.status_code == 201 and after.headers["Idempotent-Replayed"] == "true"
    legs = after.json()["transfers"]
    assert [(leg["status"], leg["amount"], leg["currency"]) for leg in legs] == [
        ("posted", "1000.00", "CNY"), ("posted", "137.31", "USD"),
    ]  # fmt: skip
    assert "hold" not in after.json()
    assert _wallets(client, traveller)["USD"] == ("137.31", "137.31"), "bought once"
    _verified(client, people)


def _nothing_bought(client: TestClient, people: People, traveller: dict[str, str]) -> None:
    wallets = _wallets(client, traveller)
    assert wallets["CNY"] == ("10000.00", "10000.00")
    assert wallets.get("USD", ("0.00", "0.00")) == ("0.00", "0.00")
    assert any(title == "换汇¥1,000.00未完成" for title in _titles(client, traveller))
    _verified(client, people)


def test_a_cancelled_exchange_buys_nothing_and_a_retry_says_so(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    force(client, "challenge")
    quote_id = _quote(client, traveller)
    hold = _convert(client, traveller, quote_id, "fx-1").json()["hold"]
    assert client.post(f"/v1/holds/{hold['id']}/cancel", headers=traveller).status_code == 200
    _nothing_bought(client, people, traveller)
    replay = _convert(client, traveller, quote_id, "fx-1")
    assert replay.status_code == 202 and replay.json()["hold"]["status"] == "rejected"
    assert [leg["status"] for leg in replay.json()["transfers"]] == ["voided"]
    late = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=traveller)  # fmt: skip
    assert late.status_code == 409
    _nothing_bought(client, people, traveller)
    force(client, "allow")
    again = _convert(client, traveller, _quote(client, traveller), "fx-new")
    assert again.status_code == 201, again.text
    assert _wallets(client, traveller)["USD"] == ("137.31", "137.31")


def test_three_wrong_codes_and_expiry_buy_nothing(
    client: TestClient, people: People, traveller: dict[str, str], clock: ManualClock
) -> None:
    force(client, "challenge")
    hold = _convert(client, traveller, _quote(client, traveller), "fx-1").json()["hold"]
    right = texted_code(client)
    wrong = "123456" if right != "123456" else "654321"
    url = f"/v1/holds/{hold['id']}/verify"
    answers = [client.post(url, json={"code": wrong}, headers=traveller).status_code
               for _ in "abc"]  # fmt: skip
    assert answers == [422, 422, 409]
    _nothing_bought(client, people, traveller)

    second = _convert(client, traveller, _quote(client, traveller), "fx-2").json()["hold"]
    clock.advance(services_of(client).settings.hold_challenge_seconds + 1)
    assert holds.expire_holds(services_of(client)) == 1
    assert holds.hold(services_of(client).db, second["id"]).status == "expired"
    _nothing_bought(client, people, traveller)


def test_an_exchange_held_for_review_is_cleared_by_the_analyst(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    force(client, "review")
    held = _convert(client, traveller, _quote(client, traveller), "fx-1")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "review" and hold["purpose"] == "fx"
    queue = client.get("/v1/risk/reviews", headers=people.admin).json()["reviews"]
    assert [case["id"] for case in queue] == [hold["id"]]
    resolved = client.post(f"/v1/risk/reviews/{hold['id']}/resolve",
                           json={"analyst": "li.na", "label": "legit"},
                           headers=people.admin)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    assert _wallets(client, traveller)["USD"] == ("137.31", "137.31")
    _verified(client, people)


def test_a_review_keeps_the_quoted_rate_for_an_hour_not_for_the_whole_review(
    client: TestClient, people: People, traveller: dict[str, str], clock: ManualClock
) -> None:
    """A long review would turn the quote into a free option: cancel if the market turns,
    wait if it does not. After `fx_hold_seconds` the exchange is released instead."""
    force(client, "review")
    hold = _convert(client, traveller, _quote(client, traveller), "fx-1").json()["hold"]
    services = services_of(client)
    assert services.settings.fx_hold_seconds < services.settings.hold_review_seconds
    clock.advance(services.settings.fx_hold_seconds - 1)
    assert holds.expire_holds(services) == 0
    clock.advance(2)
    assert holds.expire_holds(services) == 1
    resolved = client.post(f"/v1/risk/reviews/{hold['id']}/resolve",
                           json={"analyst": "li.na", "label": "legit"},
                           headers=people.admin)  # fmt: skip
    assert resolved.status_code == 409, resolved.text
    _nothing_bought(client, people, traveller)


def test_approvals_at_once_buy_the_currency_once(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    """The customer's code and an analyst's "legit" land together: one exchange is made."""
    force(client, "review")
    hold = _convert(client, traveller, _quote(client, traveller), "fx-1").json()["hold"]
    services = services_of(client)

    def approve(actor: str) -> str:
        try:
            holds.approve_hold(services, hold["id"], actor)
        except InvalidState:
            return "refused"
        return "approved"

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(approve, ["li.na", "wang.fang", "zhao.lei", "chen.jie"]))
    assert "approved" in answers
    assert holds.hold(services.db, hold["id"]).status == "approved"
    assert _wallets(client, traveller) == {
        "CNY": ("9000.00", "9000.00"), "USD": ("137.31", "137.31"),
    }  # fmt: skip
    assert _titles(client, traveller).count("换汇成功：¥1,000.00 → $137.31") == 1
    _verified(client, people)


def test_approval_after_the_ledger_released_the_money_buys_nothing(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    """The sell leg was voided in the ledger behind the hold's back (an operator, say):
    clearing the hold then must not pay out currency for money that was never taken."""
    force(client, "review")
    hold = _convert(client, traveller, _quote(client, traveller), "fx-1").json()["hold"]
    services = services_of(client)
    services.ledger.run(Void(hold["transfer_id"]))
    with pytest.raises(InvalidState, match="can no longer be changed: it is rejected"):
        holds.approve_hold(services, hold["id"], "li.na")
    assert holds.hold(services.db, hold["id"]).status == "rejected"  # it follows the ledger
    _nothing_bought(client, people, traveller)


def test_a_payment_key_named_like_the_buy_leg_cannot_unpair_the_legs(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    """The buy leg's idempotency key lives where no request header reaches: a payment sent
    with that key first does not make the approval sell without buying."""
    force(client, "challenge")
    quote_id = _quote(client, traveller)
    hold = _convert(client, traveller, quote_id, "fx-1").json()["hold"]
    code = texted_code(client)
    friend = people.sign_up("laowang", "13800000009", "老王")
    force(client, "allow")
    sent = client.post("/v1/payments/p2p", json={"to": {"username": "laowang"},
                       "amount": "1.00"}, headers={**traveller,
                       "Idempotency-Key": f"fx:{quote_id}:bought"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": code}, headers=traveller)
    assert done.status_code == 200, done.text
    assert _wallets(client, traveller) == {
        "CNY": ("8999.00", "8999.00"), "USD": ("137.31", "137.31"),
    }  # fmt: skip
    assert people.wallet(friend)["balance"] == "1.00"
    _verified(client, people)


def test_sold_money_posted_outside_the_hold_is_not_shown_as_an_exchange(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    """An operator posted the held sell leg in the ledger itself: the hold follows it, and a
    retry or the result page must say what happened, not that currency was bought."""
    force(client, "review")
    quote_id = _quote(client, traveller)
    hold = _convert(client, traveller, quote_id, "fx-1").json()["hold"]
    services = services_of(client)
    services.ledger.run(Post(hold["transfer_id"]))
    with pytest.raises(InvalidState, match="can no longer be changed: it is approved"):
        holds.approve_hold(services, hold["id"], "li.na")
    replay = _convert(client, traveller, quote_id, "fx-1")
    assert replay.status_code == 202, replay.text
    assert [leg["status"] for leg in replay.json()["transfers"]] == ["posted"]
    assert replay.json()["hold"]["status"] == "approved"
    assert _wallets(client, traveller).get("USD", ("0.00", "0.00")) == ("0.00", "0.00")


def test_a_blocked_exchange_is_refused_and_nothing_is_set_aside(
    client: TestClient, people: People, traveller: dict[str, str]
) -> None:
    force(client, "block")
    refused = _convert(client, traveller, _quote(client, traveller), "fx-1")
    assert refused.status_code == 403 and refused.json()["decision"] == "block"
    assert _wallets(client, traveller)["CNY"] == ("10000.00", "10000.00")
    _verified(client, people)
