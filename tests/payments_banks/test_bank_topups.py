"""Linked cards and top-ups: nothing is spendable until the bank confirms."""

from __future__ import annotations

from bankkit import (
    DECLINES,
    ORDINARY,
    SILENT,
    bank_answers,
    key,
    ledger_ok,
    person,
    steady_bank,
    wallet,
)
from fastapi.testclient import TestClient

from anxin.core.clock import ManualClock
from cardkit import APPROVES, link_card


def test_sign_up_link_card_top_up_pending_then_settled(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    me = person(bank, "xiaoming")
    card = link_card(bank, me, ORDINARY)
    listed = bank.get("/v1/cards", headers=me).json()["cards"]
    assert [c["last4"] for c in listed] == ["0009"] and listed[0]["bank"]["sandbox"] is True
    same = key()
    topup = bank.post("/v1/wallet/topups", json={"card_id": card, "amount": "500.00"},
                      headers={**me, **same})  # fmt: skip
    assert topup.status_code == 201, topup.text
    order = topup.json()
    assert order["status"] == "pending" and order["reference"].startswith("SBX")
    # Held, not spendable: the credit shows only as pending.
    held = wallet(bank, me)
    assert (held["balance"], held["available_balance"], held["pending_balance"]) == (
        "0.00", "0.00", "500.00",
    )  # fmt: skip
    bank_answers(bank, clock, seconds=0)  # the bank has not answered yet
    assert bank.get(f"/v1/wallet/topups/{order['id']}", headers=me).json()["status"] == "pending"
    bank_answers(bank, clock)
    done = bank.get(f"/v1/wallet/topups/{order['id']}", headers=me).json()
    assert done["status"] == "succeeded" and done["resolved_at"] is not None
    assert wallet(bank, me)["balance"] == wallet(bank, me)["available_balance"] == "500.00"
    inbox = bank.get("/v1/notifications", headers=me).json()["notifications"]
    assert "充值到账" in inbox[0]["title"] and "0009" in inbox[0]["body"]
    again = bank.post("/v1/wallet/topups", json={"card_id": card, "amount": "500.00"},
                      headers={**me, **same})  # fmt: skip
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == order["id"]
    assert wallet(bank, me)["balance"] == "500.00"
    other = person(bank, "stranger")
    assert bank.get(f"/v1/wallet/topups/{order['id']}", headers=other).status_code == 404
    ledger_ok(bank, admin)


def test_declined_and_timed_out_top_ups_add_nothing(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    me = person(bank, "unlucky")
    refused = bank.post("/v1/wallet/topups", json={"card_id": link_card(bank, me, DECLINES),
                        "amount": "80.00"}, headers={**me, **key()}).json()  # fmt: skip
    silent = bank.post("/v1/wallet/topups", json={"card_id": link_card(bank, me, SILENT),
                       "amount": "90.00"}, headers={**me, **key()}).json()  # fmt: skip
    assert wallet(bank, me)["pending_balance"] == "170.00"
    bank_answers(bank, clock)
    declined = bank.get(f"/v1/wallet/topups/{refused['id']}", headers=me).json()
    assert declined["status"] == "declined" and "(sandbox)" in declined["reason"]
    assert bank.get(f"/v1/wallet/topups/{silent['id']}", headers=me).json()["status"] == "pending"
    bank_answers(bank, clock, seconds=900)  # past the answer deadline
    timed_out = bank.get(f"/v1/wallet/topups/{silent['id']}", headers=me).json()
    assert timed_out["status"] == "timed_out"
    account = wallet(bank, me)
    assert (account["balance"], account["pending_balance"]) == ("0.00", "0.00")
    titles = [n["title"] for n in bank.get("/v1/notifications", headers=me).json()["notifications"]]
    assert any("充值失败" in t for t in titles) and any("充值未完成" in t for t in titles)
    for order in (refused, silent):
        transfer = bank.get(f"/v1/ledger/transfers/{order['transfer_id']}", headers=admin).json()
        assert transfer["status"] == "voided"
    ledger_ok(bank, admin)


def test_cards_are_checked_verified_and_private(client: TestClient) -> None:
    bank = steady_bank(client)
    me, other = person(bank, "carder"), person(bank, "nosy")
    typo = bank.post("/v1/cards", json={"number": "6222 0000 0000 0008", "holder_name": "王"},
                     headers=me)  # fmt: skip
    assert typo.status_code == 422 and typo.json()["field"] == "number"
    bound = bank.post("/v1/cards", json={"number": APPROVES, "holder_name": "王小明"}, headers=me)
    card = bound.json()
    assert card["status"] == "unverified" and "sandbox" in card["verification"]["sandbox_hint"]
    assert card["last4"] == "0062" and "number" not in card
    twice = bank.post("/v1/cards", json={"number": APPROVES, "holder_name": "王小明"}, headers=me)
    assert twice.status_code == 409
    unverified = bank.post("/v1/wallet/topups", json={"card_id": card["id"], "amount": "1.00"},
                           headers={**me, **key()})  # fmt: skip
    assert unverified.status_code == 409
    assert bank.get(f"/v1/cards/{card['id']}", headers=other).status_code == 404
    assert bank.post("/v1/wallet/topups", json={"card_id": card["id"], "amount": "1.00"},
                     headers={**other, **key()}).status_code == 404  # fmt: skip
    wrong = [
        bank.post(f"/v1/cards/{card['id']}/verify", json={"amount": "1.00"}, headers=me)
        for _ in range(3)
    ]
    assert [w.status_code for w in wrong] == [422, 422, 409]
    assert "2 tries left" in wrong[0].json()["detail"]
    assert bank.get(f"/v1/cards/{card['id']}", headers=me).json()["status"] == "failed"
    assert bank.delete(f"/v1/cards/{card['id']}", headers=other).status_code == 404
    assert bank.delete(f"/v1/cards/{card['id']}", headers=me).status_code == 204
    assert bank.get(f"/v1/cards/{card['id']}", headers=me).status_code == 404
    link_card(bank, me, APPROVES)  # a removed card may be linked again
    no_key = bank.post("/v1/wallet/topups", json={"card_id": card["id"], "amount": "1.00"},
                       headers=me)  # fmt: skip
    assert no_key.status_code == 422 and no_key.json()["field"] == "Idempotency-Key"
