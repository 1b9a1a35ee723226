"""Currency exchange: a locked quote, executed once, rounded in the house's favour."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from anxin.core.clock import ManualClock
from anxin.core.errors import InvalidInput
from anxin.core.money import Money
from anxin.payments.fx.pricing import price

PASSWORD = "long enough password"


@pytest.fixture
def traveller(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    body = {"username": "traveller", "password": PASSWORD}
    assert client.post("/v1/users", json=body).status_code == 201
    token = client.post("/v1/auth/login", json=body).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    wallet = client.get("/v1/accounts", headers=headers).json()["accounts"][0]["id"]
    bank = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                       headers=admin).json()["id"]  # fmt: skip
    funded = client.post("/v1/ledger/transfers", headers={**admin, "Idempotency-Key": "fund"},
                         json={"debit_account_id": bank, "credit_account_id": wallet,
                               "amount": "10000.00", "currency": "CNY"})  # fmt: skip
    assert funded.status_code == 201
    return headers


def balances(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    return {a["currency"]: a["balance"] for a in accounts}


def quote(client: TestClient, headers: dict[str, str], amount: str = "1000.00") -> Any:
    body = {"sell_currency": "CNY", "buy_currency": "USD", "amount": amount}
    return client.post("/v1/fx/quotes", json=body, headers=headers)


def convert(client: TestClient, headers: dict[str, str], quote_id: str, key: str) -> Any:
    return client.post("/v1/fx/conversions", json={"quote_id": quote_id},
                       headers={**headers, "Idempotency-Key": key})  # fmt: skip


def test_quote_shows_rate_and_fee_and_converting_moves_both_legs(
    client: TestClient, traveller: dict[str, str], admin: dict[str, str]
) -> None:
    offered = quote(client, traveller)
    assert offered.status_code == 201
    q = offered.json()
    # Mid 0.138 less a 0.5 % spread: 0.13731; 1000 CNY buys 137.31 USD, the spread costs 0.69.
    assert q["rate"] == "0.13731" and q["mid_rate"] == "0.138"
    assert q["buy"] == {"amount": "137.31", "currency": "USD"}
    assert q["fee"] == {"amount": "0.69", "currency": "USD"}
    done = convert(client, traveller, q["id"], "c1")
    assert done.status_code == 201, done.text
    legs = done.json()["transfers"]
    assert len(legs) == 2 and legs[0]["batch_id"] == legs[1]["batch_id"]
    assert legs[0]["metadata"]["rate"] == "0.13731"
    assert balances(client, traveller) == {"CNY": "9000.00", "USD": "137.31"}
    told = client.get("/v1/notifications", headers=traveller).json()["notifications"][0]
    assert told["title"] == "换汇成功：¥1,000.00 → $137.31"
    report = client.get("/v1/ledger/verify", headers=admin).json()
    assert report["ok"], report["problems"]


def test_a_quote_converts_once_whatever_the_key(
    client: TestClient, traveller: dict[str, str]
) -> None:
    q = quote(client, traveller).json()
    first = convert(client, traveller, q["id"], "a")
    again = convert(client, traveller, q["id"], "b")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert balances(client, traveller)["USD"] == "137.31"


def test_an_expired_quote_is_refused_but_an_executed_one_still_answers(
    client: TestClient, traveller: dict[str, str], clock: ManualClock
) -> None:
    stale = quote(client, traveller).json()
    used = quote(client, traveller).json()
    assert convert(client, traveller, used["id"], "in-time").status_code == 201
    clock.advance(31)
    refused = convert(client, traveller, stale["id"], "late")
    assert refused.status_code == 409
    assert "expired" in refused.json()["detail"]
    assert convert(client, traveller, used["id"], "retry").status_code == 201
    assert balances(client, traveller) == {"CNY": "9000.00", "USD": "137.31"}


def test_refusals_leave_money_where_it_was(client: TestClient, traveller: dict[str, str]) -> None:
    too_much = quote(client, traveller, "20000.00").json()
    assert convert(client, traveller, too_much["id"], "x").status_code == 409
    assert quote(client, traveller, "0.001").status_code == 422
    same = client.post(
        "/v1/fx/quotes",
        headers=traveller,
        json={"sell_currency": "CNY", "buy_currency": "CNY", "amount": "1.00"},
    )
    assert same.status_code == 422  # fmt: skip
    assert convert(client, traveller, "no-such-quote", "y").status_code == 404
    assert balances(client, traveller) == {"CNY": "10000.00", "USD": "0.00"}


def test_rates_are_labelled_as_sandbox(client: TestClient) -> None:
    body = client.get("/v1/fx/rates").json()
    assert "sandbox" in body["source"] and body["mid_rates"]["USD"] == "0.138"


@given(
    st.integers(min_value=1, max_value=10**12),
    st.sampled_from(["USD", "EUR", "JPY", "KRW", "GBP"]),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("300"), places=6),
    st.decimals(min_value=Decimal(0), max_value=Decimal("0.05"), places=4),
)
def test_the_house_never_pays_more_than_the_rate_allows(
    units: int, buy: str, mid: Decimal, spread: Decimal
) -> None:
    sell = Money.from_minor(units, "CNY")
    try:
        priced = price(sell, buy, mid, spread)
    except InvalidInput:
        return  # too little to buy one minor unit: refused, never rounded up
    assert priced.buy.amount <= sell.amount * mid * (1 - spread)
    assert priced.buy.amount > 0 and priced.fee.amount >= 0
    assert priced.buy.amount + priced.fee.amount >= sell.amount * mid
