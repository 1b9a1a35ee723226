"""Withdrawals to a card and card top-ups the risk check holds: they wait, like transfers,
instead of being refused; the bank is not asked until the code or the analyst clears them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from holdkit import force, services_of

from anxin.core.clock import ManualClock
from anxin.core.errors import InvalidState
from anxin.ledger.posting import Void
from anxin.payments import holds
from anxin.payments.banks.orders import settle_due
from anxin.payments.banks.sandbox import SandboxBank, SandboxConfig
from cardkit import link_card
from peoplekit import People, people_past_reviews
from smskit import texted_code


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    crowd = people_past_reviews(client, admin)
    # A bank that always answers within seconds, so the card alone chooses the outcome.
    crowd.services.bank = SandboxBank(
        SandboxConfig(seed=7, decline_rate=0, timeout_rate=0, min_delay_seconds=1,
                      max_delay_seconds=5, answer_timeout_seconds=900)
    )  # fmt: skip
    return crowd


@pytest.fixture
def me(people: People) -> dict[str, str]:
    headers = people.sign_up("xiaoming", "13800000001", "小明")
    people.fund(headers, "2000.00")
    return headers


@pytest.fixture
def card(client: TestClient, me: dict[str, str]) -> str:
    return link_card(client, me)


def _balances(people: People, headers: dict[str, str]) -> tuple[str, str]:
    wallet = people.wallet(headers)
    return wallet["balance"], wallet["available_balance"]


def _withdraw(client: TestClient, me: dict[str, str], card: str, amount: str = "1500.00") -> Any:
    """Quote and execute a withdrawal; 1,000 a month is free, 0.1 % of the rest is the fee."""
    quote = client.post("/v1/wallet/withdrawals/quote", json={"card_id": card, "amount": amount},
                        headers=me)  # fmt: skip
    assert quote.status_code == 201, quote.text
    return _execute(client, me, quote.json()["id"], "w-1")


def _execute(client: TestClient, me: dict[str, str], quote_id: str, key: str) -> Any:
    return client.post("/v1/wallet/withdrawals", json={"quote_id": quote_id},
                       headers={**me, "Idempotency-Key": key})  # fmt: skip


def _order(client: TestClient, me: dict[str, str], order_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/wallet/withdrawals/{order_id}", headers=me).json())


def _bank_answers(client: TestClient, clock: ManualClock) -> None:
    clock.advance(10)  # past the sandbox bank's delays
    settle_due(services_of(client))


def _ledger_ok(people: People) -> None:
    report = people.client.get("/v1/ledger/verify", headers=people.admin).json()
    assert report["ok"], report["problems"]


def test_a_challenged_withdrawal_waits_for_the_code_then_goes_to_the_bank(
    client: TestClient, people: People, me: dict[str, str], card: str, clock: ManualClock
) -> None:
    force(client, "challenge")
    held = _withdraw(client, me, card)
    assert held.status_code == 202, held.text
    order, hold = held.json(), held.json()["hold"]
    assert (order["status"], order["fee"], order["reference"]) == ("waiting", "0.50", None)
    assert hold["kind"] == "challenge" and hold["purpose"] == "bank"
    assert hold["amount"] == "1500.00" and hold["transfer_id"] == order["transfer_id"]
    assert _balances(people, me) == ("2000.00", "499.50")  # amount and fee set aside

    _bank_answers(client, clock)  # the settle step leaves it alone: the bank is not asked
    assert _order(client, me, order["id"])["status"] == "waiting"

    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=me)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["hold"]["status"] == "approved"
    sent = _order(client, me, order["id"])
    assert sent["status"] == "pending" and sent["reference"] is not None
    assert sent["transfer_id"] != order["transfer_id"]  # fresh legs on the bank's clock
    assert _balances(people, me) == ("2000.00", "499.50")
    _bank_answers(client, clock)
    assert _order(client, me, order["id"])["status"] == "succeeded"
    assert _balances(people, me) == ("499.50", "499.50")
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()
              ["notifications"]]  # fmt: skip
    assert any("等待验证码" in title for title in titles)
    assert any("提现成功" in title for title in titles)
    _ledger_ok(people)


def test_replaying_the_quote_returns_the_same_held_order(
    client: TestClient, people: People, me: dict[str, str], card: str
) -> None:
    force(client, "challenge")
    quote = client.post("/v1/wallet/withdrawals/quote", json={"card_id": card,
                        "amount": "100.00"}, headers=me).json()  # fmt: skip
    first = _execute(client, me, quote["id"], "w-1")
    assert first.status_code == 202, first.text
    force(client, "block")  # a replay does not ask the risk engine again
    again = _execute(client, me, quote["id"], "w-2")
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["hold"]["id"] == first.json()["hold"]["id"]
    assert _balances(people, me) == ("2000.00", "1900.00")


@pytest.mark.parametrize("how", ["cancel", "wrong codes", "expiry"])
def test_a_released_withdrawal_gives_back_amount_and_fee(
    client: TestClient, people: People, me: dict[str, str], card: str, clock: ManualClock,
    how: str,
) -> None:  # fmt: skip
    force(client, "challenge")
    held = _withdraw(client, me, card).json()
    hold_id = held["hold"]["id"]
    if how == "cancel":
        assert client.post(f"/v1/holds/{hold_id}/cancel", headers=me).status_code == 200
    elif how == "wrong codes":
        wrong = "123456" if texted_code(client) != "123456" else "654321"
        url = f"/v1/holds/{hold_id}/verify"
        answers = [client.post(url, json={"code": wrong}, headers=me).status_code
                   for _ in range(3)]  # fmt: skip
        assert answers == [422, 422, 409]
    else:
        clock.advance(services_of(client).settings.hold_challenge_seconds + 1)
        assert holds.expire_holds(services_of(client)) == 1
    ended = _order(client, me, held["id"])  # at once: the fee leg goes with the amount
    assert ended["status"] == "cancelled" and ended["reference"] is None
    assert _balances(people, me) == ("2000.00", "2000.00")
    legs = [people.client.get(f"/v1/ledger/transfers/{held[leg]}", headers=people.admin).json()
            for leg in ("transfer_id", "fee_transfer_id")]  # fmt: skip
    assert {leg["status"] for leg in legs} <= {"voided", "expired"}
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()
              ["notifications"]]  # fmt: skip
    assert any("提现" in title and "未完成" in title for title in titles)
    bodies = [n["body"] for n in client.get("/v1/notifications", headers=me).json()
              ["notifications"]]  # fmt: skip
    assert any("¥1,500.50已退回" in body for body in bodies), "amount and fee, shown as money"
    _ledger_ok(people)


def test_approval_takes_none_of_the_legs_when_one_was_settled_behind_its_back(
    client: TestClient, people: People, me: dict[str, str], card: str, clock: ManualClock
) -> None:
    """An operator voided the withdrawal's fee leg in the ledger: clearing the hold must not
    void the amount and reserve it afresh on its own, nor ask the bank."""
    force(client, "review")
    held = _withdraw(client, me, card).json()
    services = services_of(client)
    services.ledger.run(Void(held["fee_transfer_id"]))
    with pytest.raises(InvalidState):
        holds.approve_hold(services, held["hold"]["id"], "li.na")
    assert _order(client, me, held["id"])["status"] == "waiting"
    amount = people.client.get(f"/v1/ledger/transfers/{held['transfer_id']}",
                               headers=people.admin).json()  # fmt: skip
    assert amount["status"] == "pending", "the amount leg is still the one reserved"
    assert _balances(people, me) == ("2000.00", "500.00")
    _bank_answers(client, clock)
    assert _order(client, me, held["id"])["reference"] is None, "the bank was not asked"
    _ledger_ok(people)


def test_a_reviewed_withdrawal_goes_to_the_bank_once_the_analyst_clears_it(
    client: TestClient, people: People, me: dict[str, str], card: str, clock: ManualClock
) -> None:
    force(client, "review")
    held = _withdraw(client, me, card)
    assert held.status_code == 202 and held.json()["hold"]["kind"] == "review"
    hold_id = held.json()["hold"]["id"]
    resolved = client.post(f"/v1/risk/reviews/{hold_id}/resolve",
                           json={"analyst": "li.na", "label": "legit"},
                           headers=people.admin)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    assert _order(client, me, held.json()["id"])["status"] == "pending"
    _bank_answers(client, clock)
    assert _order(client, me, held.json()["id"])["status"] == "succeeded"
    assert _balances(people, me) == ("499.50", "499.50")
    _ledger_ok(people)


def test_a_blocked_withdrawal_is_refused(
    client: TestClient, people: People, me: dict[str, str], card: str
) -> None:
    force(client, "block")
    refused = _withdraw(client, me, card)
    assert refused.status_code == 403 and refused.json()["decision"] == "block"
    assert _balances(people, me) == ("2000.00", "2000.00")


def test_a_challenged_card_top_up_waits_for_the_code(
    client: TestClient, people: People, me: dict[str, str], card: str, clock: ManualClock
) -> None:
    force(client, "challenge")
    held = client.post("/v1/wallet/topups", json={"card_id": card, "amount": "300.00"},
                       headers={**me, "Idempotency-Key": "t-1"})  # fmt: skip
    assert held.status_code == 202, held.text
    order, hold = held.json(), held.json()["hold"]
    assert order["status"] == "waiting" and hold["purpose"] == "bank"
    _bank_answers(client, clock)
    assert client.get(f"/v1/wallet/topups/{order['id']}", headers=me).json()["status"] == "waiting"
    assert _balances(people, me) == ("2000.00", "2000.00")  # nothing to spend yet
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()
              ["notifications"]]  # fmt: skip
    assert "充值¥300.00等待验证码" in titles, "money coming in is a top-up, not a payment"

    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=me)  # fmt: skip
    assert done.status_code == 200, done.text
    _bank_answers(client, clock)
    ended = client.get(f"/v1/wallet/topups/{order['id']}", headers=me).json()
    assert ended["status"] == "succeeded"
    assert _balances(people, me) == ("2300.00", "2300.00")
    _ledger_ok(people)
