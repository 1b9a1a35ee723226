"""Withdrawals: a quote shows the fee, the withdrawal charges exactly it, failures give back."""

from __future__ import annotations

from bankkit import (
    DECLINES,
    SILENT,
    bank_answers,
    fund,
    key,
    ledger_ok,
    person,
    steady_bank,
    wallet,
)
from fastapi.testclient import TestClient

from anxin.core.clock import ManualClock
from cardkit import link_card


def quote(client: TestClient, headers: dict[str, str], card: str, amount: str) -> dict[str, str]:
    answer = client.post("/v1/wallet/withdrawals/quote", json={"card_id": card, "amount": amount},
                         headers=headers)  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def withdraw(client: TestClient, headers: dict[str, str], quote_id: str,
             idempotency: dict[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    answer = client.post("/v1/wallet/withdrawals", json={"quote_id": quote_id},
                         headers={**headers, **(idempotency or key())})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_the_quoted_fee_is_exactly_what_the_withdrawal_charges(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    me = person(bank, "saver")
    fund(bank, admin, me, "2000.00")
    card = link_card(bank, me)
    # 1,000 of the month's allowance is free; 0.1 % of the other 500 is 0.50.
    offer = quote(bank, me, card, "1500.00")
    assert (offer["amount"], offer["fee"], offer["total"]) == ("1500.00", "0.50", "1500.50")
    assert (offer["free_part"], offer["charged_part"]) == ("1000.00", "500.00")
    assert offer["rule"] == {"monthly_free_allowance": "1000.00", "rate": "0.001",
                             "minimum": "0.10"}  # fmt: skip
    order = withdraw(bank, me, offer["id"])
    assert (order["status"], order["fee"], order["total"]) == ("pending", "0.50", "1500.50")
    held = wallet(bank, me)
    assert (held["balance"], held["available_balance"]) == ("2000.00", "499.50")
    # The same quote again, under any key, withdraws once.
    again = bank.post("/v1/wallet/withdrawals", json={"quote_id": offer["id"]},
                      headers={**me, **key()})  # fmt: skip
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == order["id"]
    bank_answers(bank, clock)
    done = bank.get(f"/v1/wallet/withdrawals/{order['id']}", headers=me).json()
    assert done["status"] == "succeeded"
    assert wallet(bank, me)["balance"] == "499.50"
    fee_leg = bank.get(f"/v1/ledger/transfers/{order['fee_transfer_id']}", headers=admin).json()
    assert (fee_leg["status"], fee_leg["posted_amount"]) == ("posted", "0.50")
    income = bank.get(f"/v1/ledger/accounts/{fee_leg['credit_account_id']}", headers=admin)
    assert income.json()["kind"] == "system:fee-income" and income.json()["balance"] == "0.50"
    # The allowance is spent: the next 100 pays the 0.10 minimum.
    assert quote(bank, me, card, "100.00")["fee"] == "0.10"
    ledger_ok(bank, admin)


def test_failed_withdrawals_give_back_amount_and_fee(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    me = person(bank, "bounced")
    fund(bank, admin, me, "3000.00")
    declines, silent = link_card(bank, me, DECLINES), link_card(bank, me, SILENT)
    first = withdraw(bank, me, quote(bank, me, declines, "1200.00")["id"])
    second = withdraw(bank, me, quote(bank, me, silent, "100.00")["id"])
    assert (first["fee"], second["fee"]) == ("0.20", "0.10")
    assert wallet(bank, me)["available_balance"] == "1699.70"
    bank_answers(bank, clock)
    assert bank.get(f"/v1/wallet/withdrawals/{first['id']}", headers=me).json()["status"] == (
        "declined"
    )
    bank_answers(bank, clock, seconds=900)
    assert bank.get(f"/v1/wallet/withdrawals/{second['id']}", headers=me).json()["status"] == (
        "timed_out"
    )
    back = wallet(bank, me)
    assert (back["balance"], back["available_balance"]) == ("3000.00", "3000.00")
    # Failed withdrawals do not use up the free allowance.
    assert quote(bank, me, declines, "1000.00")["fee"] == "0.00"
    ledger_ok(bank, admin)


def test_expired_changed_and_foreign_quotes_are_refused(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    me, other = person(bank, "late"), person(bank, "thief")
    fund(bank, admin, me, "5000.00")
    card = link_card(bank, me)
    stale = quote(bank, me, card, "10.00")
    assert bank.post("/v1/wallet/withdrawals", json={"quote_id": stale["id"]},
                     headers={**other, **key()}).status_code == 404  # fmt: skip
    used = quote(bank, me, card, "1000.00")
    repriced = quote(bank, me, card, "500.00")  # free, while nothing was withdrawn yet
    withdraw(bank, me, used["id"])
    changed = bank.post("/v1/wallet/withdrawals", json={"quote_id": repriced["id"]},
                        headers={**me, **key()})  # fmt: skip
    assert changed.status_code == 409 and "allowance changed" in changed.json()["detail"]
    clock.advance(601)
    expired = bank.post("/v1/wallet/withdrawals", json={"quote_id": stale["id"]},
                        headers={**me, **key()})  # fmt: skip
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    # Executed in time and asked again later: the original answer, not "expired".
    replay = bank.post("/v1/wallet/withdrawals", json={"quote_id": used["id"]},
                       headers={**me, **key()})  # fmt: skip
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    too_much = quote(bank, me, card, "9000.00")
    refused = bank.post("/v1/wallet/withdrawals", json={"quote_id": too_much["id"]},
                        headers={**me, **key()})  # fmt: skip
    assert refused.status_code == 409 and refused.json()["type"].endswith("insufficient-funds")
    assert wallet(bank, me)["available_balance"] == "4000.00"
