"""One person's month, end to end over HTTP: every payment feature in the order a user meets it.

Sign up → bind a card → top up → pay the electricity bill → pay a shop by QR → get a refund →
send mum money → schedule pocket money → convert to dollars for a trip. The ledger must
verify after all of it, and every step must have told the people involved.
"""

from __future__ import annotations

from decimal import Decimal

from bankkit import PASSWORD, bank_answers, key, person, steady_bank, wallet
from fastapi.testclient import TestClient

from anxin.core.clock import ManualClock
from anxin.payments.schedules.worker import run_due
from cardkit import link_card


def login(client: TestClient, username: str) -> dict[str, str]:
    """Tokens last 12 hours; the month has moved on, so everyone logs in again."""
    body = {"username": username, "password": PASSWORD}
    return {"Authorization": f"Bearer {client.post('/v1/auth/login', json=body).json()['token']}"}


def test_a_month_of_payments(client: TestClient, admin: dict[str, str], clock: ManualClock) -> None:
    bank = steady_bank(client)
    me = person(bank, "xiaoming", "小明")
    mum = person(bank, "mum", "妈妈")
    shop_owner = person(bank, "cafe_owner", "咖啡店老板")
    assert wallet(bank, me)["balance"] == "0.00"  # sign-up opened the wallet

    card = link_card(bank, me)
    topup = bank.post("/v1/wallet/topups", json={"card_id": card, "amount": "3000.00"},
                      headers={**me, **key()})  # fmt: skip
    assert topup.status_code == 201, topup.text
    assert wallet(bank, me)["available_balance"] == "0.00"  # nothing before the bank confirms
    bank_answers(bank, clock)
    assert wallet(bank, me)["balance"] == "3000.00"

    bank.post("/v1/bills/accounts", json={"biller": "electricity", "account_number": "3301234567"},
              headers=me)  # fmt: skip
    paid_bill = bank.post("/v1/bills/pay", json={"biller": "electricity", "period": "current"},
                          headers={**me, **key()})  # fmt: skip
    assert paid_bill.status_code == 201, paid_bill.text
    payment = paid_bill.json()["payment"]
    bill = Decimal(payment["amount"])
    assert payment["status"] == "paid" and bill > 0
    assert Decimal(wallet(bank, me)["balance"]) == Decimal("3000.00") - bill

    cafe = bank.post("/v1/merchants", json={"name": "街角咖啡"}, headers=shop_owner).json()
    code = bank.post(f"/v1/merchants/{cafe['id']}/qr", json={"amount": "38.00"},
                     headers=shop_owner).json()["qr"]  # fmt: skip
    coffee = bank.post("/v1/merchants/pay", json={"qr": code}, headers={**me, **key()})
    assert coffee.status_code == 201, coffee.text
    transfer_id = coffee.json()["transfer_id"]
    refund = bank.post(f"/v1/merchants/payments/{transfer_id}/refunds", json={"amount": "8.00"},
                       headers={**shop_owner, **key()})  # fmt: skip
    assert refund.status_code == 201, refund.text

    bank.post("/v1/contacts", json={"name": "妈妈", "aliases": ["mum"], "username": "mum"},
              headers=me)  # fmt: skip
    sent = bank.post("/v1/payments/p2p", json={"to": {"payee": "妈妈"}, "amount": "500.00"},
                     headers={**me, **key()})  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert wallet(bank, mum)["balance"] == "500.00"

    schedule = bank.post("/v1/schedules", headers=me, json={
        "kind": "p2p", "payee": "mum", "amount": "100.00",
        "repeat": {"frequency": "monthly", "day_of_month": 15, "time": "09:00"},
    })  # fmt: skip
    assert schedule.status_code == 201, schedule.text
    clock.advance(days=15)
    assert run_due(bank.app.state.services).outcomes == {"paid": 1}  # type: ignore[attr-defined]
    me, mum, shop_owner = (login(bank, name) for name in ("xiaoming", "mum", "cafe_owner"))
    assert wallet(bank, mum)["balance"] == "600.00"

    quote = bank.post(
        "/v1/fx/quotes",
        headers=me,
        json={"sell_currency": "CNY", "buy_currency": "USD", "amount": "1000.00"},
    )
    converted = bank.post("/v1/fx/conversions", json={"quote_id": quote.json()["id"]},
                          headers={**me, **key()})  # fmt: skip
    assert converted.status_code == 201, converted.text

    balances = {a["currency"]: a["balance"]
                for a in bank.get("/v1/accounts", headers=me).json()["accounts"]
                if a["kind"] == "wallet"}  # fmt: skip
    assert balances["USD"] == "137.31"
    spent = bill + Decimal("38.00") - Decimal("8.00") + Decimal("500.00") + Decimal("100.00")
    assert Decimal(balances["CNY"]) == Decimal("3000.00") - spent - Decimal("1000.00")

    inbox = bank.get("/v1/notifications", headers=me).json()["notifications"]
    assert {n["category"] for n in inbox} >= {"payment", "bill"}
    assert bank.get("/v1/notifications", headers=shop_owner).json()["unread"] >= 1
    report = bank.get("/v1/ledger/verify", headers=admin).json()
    assert report["ok"], report["problems"]
