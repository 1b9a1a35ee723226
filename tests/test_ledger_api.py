"""The ledger's HTTP contract, as other tools call it."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

_keys = itertools.count()


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{next(_keys)}"}


def open_account(
    client: TestClient, admin: dict[str, str], currency: str = "CNY", **extra: Any
) -> str:
    response = client.post(
        "/v1/ledger/accounts", json={"currency": currency, **extra}, headers=admin
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def transfer(
    client: TestClient,
    admin: dict[str, str],
    debit: str,
    credit: str,
    amount: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount": amount,
        "currency": "CNY",
        **extra,
    }
    return client.post("/v1/ledger/transfers", json=body, headers={**admin, **(headers or key())})


def balance(client: TestClient, admin: dict[str, str], account: str) -> Any:
    return client.get(f"/v1/ledger/accounts/{account}", headers=admin).json()


def test_new_account_has_zero_balance_as_decimal_string(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": True}, headers=admin
    )
    assert response.status_code == 201
    body = response.json()
    assert body["currency"] == "CNY" and body["balance"] == "0.00" and body["id"]
    jpy = client.post("/v1/ledger/accounts", json={"currency": "JPY"}, headers=admin).json()
    assert jpy["balance"] == "0"


def test_transfer_moves_money_and_refuses_overdraft(
    client: TestClient, admin: dict[str, str]
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin, no_overdraft=True)
    response = transfer(client, admin, bank, alice, "100.00")
    assert response.status_code == 201
    assert response.json()["status"] == "posted"
    assert balance(client, admin, alice)["balance"] == "100.00"
    assert balance(client, admin, bank)["balance"] == "-100.00"

    refused = transfer(client, admin, alice, bank, "100.01")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:anxin:problem:insufficient-funds"
    assert balance(client, admin, alice)["balance"] == "100.00"


def test_bad_amounts_are_refused_with_the_field(client: TestClient, admin: dict[str, str]) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    for bad in (12.34, 5, "12.345", "NaN", "Infinity", "-1.00", "0", "0.00", "1e3", "", "abc"):
        response = transfer(client, admin, bank, alice, bad)  # type: ignore[arg-type]
        assert response.status_code == 422, (bad, response.text)
        problem = response.json()
        assert problem["field"] == "amount", (bad, problem)
        assert problem["type"] == "urn:anxin:problem:invalid-input"
        assert "Traceback" not in response.text
    assert balance(client, admin, alice)["balance"] == "0.00"


def test_unknown_account_and_currency_mismatch(client: TestClient, admin: dict[str, str]) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    usd = open_account(client, admin, "USD")
    assert transfer(client, admin, bank, "nope", "1.00").status_code in (404, 422)
    mismatch = transfer(client, admin, bank, usd, "1.00")
    assert mismatch.status_code == 422
    assert mismatch.json()["field"] == "credit_account_id"
    assert client.get("/v1/ledger/accounts/nope", headers=admin).status_code == 404


def test_idempotency_key_replays_and_refuses_a_different_body(
    client: TestClient, admin: dict[str, str]
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    same = {"Idempotency-Key": "pay-once"}
    first = transfer(client, admin, bank, alice, "10.00", headers=same)
    again = transfer(client, admin, bank, alice, "10.00", headers=same)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert balance(client, admin, alice)["balance"] == "10.00"

    different = transfer(client, admin, bank, alice, "11.00", headers=same)
    assert different.status_code == 409
    assert different.json()["type"] == "urn:anxin:problem:idempotency-key-reused"

    missing = client.post(
        "/v1/ledger/transfers",
        json={
            "debit_account_id": bank,
            "credit_account_id": alice,
            "amount": "1.00",
            "currency": "CNY",
        },
        headers=admin,
    )
    assert missing.status_code == 422
    assert missing.json()["field"].lower() == "idempotency-key"


def test_a_refusal_is_replayed_too(client: TestClient, admin: dict[str, str]) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    same = {"Idempotency-Key": "too-much"}
    assert transfer(client, admin, alice, bank, "5.00", headers=same).status_code == 409
    transfer(client, admin, bank, alice, "50.00")
    # Funds arrived meanwhile, but the key already has its answer: the refusal.
    replay = transfer(client, admin, alice, bank, "5.00", headers=same)
    assert replay.status_code == 409
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert balance(client, admin, alice)["balance"] == "50.00"


def test_pending_then_post_partial_and_void(client: TestClient, admin: dict[str, str]) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    shop = open_account(client, admin)
    transfer(client, admin, bank, alice, "50.00")
    hold = transfer(client, admin, alice, shop, "30.00", pending=True).json()
    assert hold["status"] == "pending" and hold["expires_at"]
    account = balance(client, admin, alice)
    assert account["balance"] == "50.00"
    assert account["available_balance"] == "20.00"
    assert account["pending_balance"] == "20.00"
    assert transfer(client, admin, alice, shop, "20.01").status_code == 409

    too_much = client.post(
        f"/v1/ledger/transfers/{hold['id']}/post",
        json={"amount": "30.01"},
        headers={**admin, **key()},
    )
    assert too_much.status_code == 422
    posted = client.post(
        f"/v1/ledger/transfers/{hold['id']}/post",
        json={"amount": "25.00"},
        headers={**admin, **key()},
    )
    assert posted.status_code == 201
    assert posted.json()["status"] == "posted" and posted.json()["posted_amount"] == "25.00"
    assert balance(client, admin, alice)["available_balance"] == "25.00"
    void_after_post = client.post(
        f"/v1/ledger/transfers/{hold['id']}/void", headers={**admin, **key()}
    )
    assert void_after_post.status_code == 409

    second = transfer(client, admin, alice, shop, "10.00", pending=True).json()
    voided = client.post(f"/v1/ledger/transfers/{second['id']}/void", headers={**admin, **key()})
    assert voided.json()["status"] == "voided"
    again = client.post(f"/v1/ledger/transfers/{second['id']}/void", headers={**admin, **key()})
    assert again.status_code == 409
    assert balance(client, admin, alice)["available_balance"] == "25.00"


def test_six_holds_of_1000_never_pass_against_5000(
    client: TestClient, admin: dict[str, str]
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    shop = open_account(client, admin)
    transfer(client, admin, bank, alice, "5000.00")
    codes = [
        transfer(client, admin, alice, shop, "1000.00", pending=True).status_code for _ in range(6)
    ]
    assert codes == [201] * 5 + [409]


def test_linked_batch_is_all_or_nothing(client: TestClient, admin: dict[str, str]) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    bob = open_account(client, admin)
    transfer(client, admin, bank, alice, "10.00")
    legs = [
        {"debit_account_id": alice, "credit_account_id": bob, "amount": "10.00", "currency": "CNY"},
        {"debit_account_id": alice, "credit_account_id": bob, "amount": "0.01", "currency": "CNY"},
    ]
    failed = client.post("/v1/ledger/batches", json={"transfers": legs}, headers={**admin, **key()})
    assert failed.status_code == 409
    assert failed.json()["field"] == "transfers[1].amount"
    assert balance(client, admin, alice)["balance"] == "10.00"
    assert balance(client, admin, bob)["balance"] == "0.00"

    ok = client.post(
        "/v1/ledger/batches",
        json={"transfers": legs[:1] * 1 + [{**legs[1], "debit_account_id": bank}]},
        headers={**admin, **key()},
    )
    assert ok.status_code == 201
    body = ok.json()
    assert len(body["transfers"]) == 2 and body["batch_id"]
    assert balance(client, admin, bob)["balance"] == "10.01"


def test_reversal_is_a_new_transfer_capped_at_the_original(
    client: TestClient, admin: dict[str, str]
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    original = transfer(client, admin, bank, alice, "30.00").json()
    url = f"/v1/ledger/transfers/{original['id']}/reverse"
    part = client.post(url, json={"amount": "20.00"}, headers={**admin, **key()})
    assert part.status_code == 201
    assert part.json()["reverses_id"] == original["id"]
    over = client.post(url, json={"amount": "10.01"}, headers={**admin, **key()})
    assert over.status_code == 409
    rest = client.post(url, headers={**admin, **key()})
    assert rest.status_code == 409  # the full original no longer fits
    assert client.post(url, json={"amount": "10.00"}, headers={**admin, **key()}).status_code == 201
    assert balance(client, admin, alice)["balance"] == "0.00"
    assert (
        client.get(f"/v1/ledger/transfers/{original['id']}", headers=admin).json()["status"]
        == "posted"
    )


def test_history_pages_and_balance_at_time(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    moments = []
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        clock.advance(60)
        transfer(client, admin, bank, alice, amount)
        moments.append(clock.now())
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/ledger/accounts/{alice}/history", params=params, headers=admin)
        body = page.json()
        seen += [entry["amount"] for entry in body["entries"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["5.00", "4.00", "3.00", "2.00", "1.00"]

    at = client.get(
        f"/v1/ledger/accounts/{alice}/balance", params={"at": moments[2].isoformat()}, headers=admin
    )
    assert at.json()["balance"] == "6.00"
    before = client.get(
        f"/v1/ledger/accounts/{alice}/balance", params={"at": "2020-01-01T00:00:00Z"}, headers=admin
    )
    assert before.json()["balance"] == "0.00"
    bad_cursor = client.get(
        f"/v1/ledger/accounts/{alice}/history", params={"cursor": "garbage!"}, headers=admin
    )
    assert bad_cursor.status_code == 422


def test_expired_hold_frees_funds_and_cannot_be_posted(
    client: TestClient, admin: dict[str, str], clock: Any
) -> None:
    bank = open_account(client, admin, no_overdraft=False)
    alice = open_account(client, admin)
    transfer(client, admin, bank, alice, "10.00")
    hold = transfer(client, admin, alice, bank, "10.00", pending=True, timeout_seconds=60).json()
    clock.advance(61)
    posted = client.post(f"/v1/ledger/transfers/{hold['id']}/post", headers={**admin, **key()})
    assert posted.status_code == 409
    assert "expired" in posted.json()["detail"]
    assert (
        client.get(f"/v1/ledger/transfers/{hold['id']}", headers=admin).json()["status"]
        == "expired"
    )
    assert balance(client, admin, alice)["available_balance"] == "10.00"


def test_admin_api_needs_the_token(client: TestClient) -> None:
    body = {"currency": "CNY"}
    assert client.post("/v1/ledger/accounts", json=body).status_code in (401, 403)
    wrong = client.post("/v1/ledger/accounts", json=body, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 403
    assert wrong.headers["content-type"] == "application/problem+json"
