"""Identity over HTTP as a user meets it: sign-up, login, tokens, throttling, and ownership."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from anxin.api.app import create_app
from anxin.core.clock import ManualClock
from anxin.identity import service
from conftest import make_settings

PASSWORD = "correct-horse-battery"
PROBLEM_JSON = "application/problem+json"
_keys = itertools.count()


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"id-{next(_keys)}"}


def sign_up(client: TestClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    response = client.post("/v1/users", json={"username": username, "password": password, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_headers(client: TestClient, username: str) -> dict[str, str]:
    """Sign `username` up and log in; the headers a logged-in client sends."""
    sign_up(client, username)
    response = login(client, username)
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """An RFC 9457 body with the given status, and no Python internals in it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "Traceback" not in response.text and 'File "' not in response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == f"urn:anxin:problem:{slug}"
    return body


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its minimum cost: these tests log in ~400 times, and hashing cost is not
    what they check. Autouse, so it is in place before the `client` app is built."""
    monkeypatch.setattr(
        service, "PasswordHasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


# -- sign-up ----------------------------------------------------------------------------


def test_sign_up_returns_the_user_and_a_taken_username_is_a_conflict(client: TestClient) -> None:
    user = sign_up(client, "Xiaoming", display_name="小明", phone="+8613800000001")
    assert user["id"] and user["username"] == "xiaoming" and user["display_name"] == "小明"
    assert user["phone"] == "+8613800000001" and "password" not in str(user).lower()
    assert sign_up(client, "mum")["display_name"] == "mum"

    # Usernames are case-insensitive, so a different case is the same name.
    for taken in ("xiaoming", "XIAOMING"):
        duplicate = client.post("/v1/users", json={"username": taken, "password": PASSWORD})
        assert assert_problem(duplicate, 409, "conflict")["field"] == "username"
    # The phone number is unique as well.
    same_phone = client.post(
        "/v1/users", json={"username": "other", "password": PASSWORD, "phone": "+8613800000001"}
    )
    assert_problem(same_phone, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "shorty", "password": "1234567"}, "password"),
        ({"username": "ab", "password": PASSWORD}, "username"),
        ({"username": "has space", "password": PASSWORD}, "username"),
        ({"username": "小明", "password": PASSWORD}, "username"),
        ({"username": "x" * 65, "password": PASSWORD}, "username"),
        ({"username": "phoney", "password": PASSWORD, "phone": "call me"}, "phone"),
        ({"password": PASSWORD}, "username"),
    ],
)
def test_sign_up_refuses_bad_input_and_names_the_field(
    client: TestClient, body: dict[str, str], field: str
) -> None:
    response = client.post("/v1/users", json=body)
    assert assert_problem(response, 422, "invalid-input")["field"] == field
    assert login(client, body.get("username", ""), body["password"]).status_code == 401


def test_a_username_with_a_trailing_newline_is_refused(client: TestClient) -> None:
    sign_up(client, "alice")
    response = client.post("/v1/users", json={"username": "alice\n", "password": PASSWORD})
    assert assert_problem(response, 422)["field"] == "username"


def test_login_with_an_overlong_username_is_a_plain_401(client: TestClient) -> None:
    assert_problem(login(client, "x" * 65), 401, "unauthenticated")
    assert_problem(login(client, "x" * 300), 401, "unauthenticated")


# -- login, tokens, logout --------------------------------------------------------------


def test_login_token_opens_me(client: TestClient) -> None:
    user = sign_up(client, "xiaoming", display_name="小明")
    response = login(client, "XiaoMing")  # login is case-insensitive too
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 12 * 3600
    assert body["user"] == user
    me = client.get("/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.json() == user


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    wrong = assert_problem(login(client, "xiaoming", "not-the-password"), 401, "unauthenticated")
    unknown = assert_problem(login(client, "nobody-here", PASSWORD), 401, "unauthenticated")
    # Same message, so the answer does not reveal which usernames exist.
    assert wrong["detail"] == unknown["detail"]
    assert "token" not in wrong


def test_a_tampered_or_missing_token_is_refused(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    token = login(client, "xiaoming").json()["token"]
    payload, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    other_payload = ("A" if payload[0] != "A" else "B") + payload[1:]
    for bad in (
        f"{payload}.{flipped}",
        f"{other_payload}.{signature}",
        payload,
        f"{payload}.",
        "test-admin-token",  # the admin token is not a user token
    ):
        assert_problem(client.get("/v1/me", headers=bearer(bad)), 401, "unauthenticated")
    for header in ({}, {"Authorization": token}, {"Authorization": f"Basic {token}"}):
        assert_problem(client.get("/v1/me", headers=header), 401)
    assert client.get("/v1/me", headers=bearer(token)).status_code == 200


def test_a_token_with_a_non_ascii_signature_is_a_401_not_a_500(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    token = login(client, "xiaoming").json()["token"]
    header = b"Bearer " + token[:-1].encode() + b"\xe9"  # raw latin-1 byte on the wire
    assert_problem(client.get("/v1/me", headers={"Authorization": header}), 401)


def test_logout_revokes_only_that_token(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    first = login(client, "xiaoming").json()["token"]
    second = login(client, "xiaoming").json()["token"]
    assert first != second
    assert client.post("/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert_problem(client.get("/v1/me", headers=bearer(first)), 401)
    assert_problem(client.post("/v1/auth/logout", headers=bearer(first)), 401)
    # Logging out one device leaves the other signed in.
    assert client.get("/v1/me", headers=bearer(second)).status_code == 200
    assert_problem(client.post("/v1/auth/logout"), 401)


def test_a_token_expires_after_its_ttl(client: TestClient, clock: ManualClock) -> None:
    sign_up(client, "xiaoming")
    token = login(client, "xiaoming").json()["token"]
    clock.advance(12 * 3600 - 1)
    assert client.get("/v1/me", headers=bearer(token)).status_code == 200
    clock.advance(1)
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "unauthenticated")
    # Logging in again gives a fresh, working token.
    fresh = login(client, "xiaoming").json()["token"]
    assert client.get("/v1/me", headers=bearer(fresh)).status_code == 200


# -- login throttling -------------------------------------------------------------------


def test_five_failures_lock_the_account_until_the_window_passes(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "xiaoming")
    sign_up(client, "mum")
    for _ in range(5):
        assert login(client, "xiaoming", "guess-guess").status_code == 401
    # Locked: even the right password is refused, with a hint when to come back.
    locked = login(client, "xiaoming")
    assert_problem(locked, 429, "rate-limited")
    retry_after = int(locked.headers["Retry-After"])
    assert 1 <= retry_after <= 901
    assert "token" not in locked.json()
    # The lock is on that account, not on everyone behind the same address.
    assert login(client, "mum").status_code == 200

    clock.advance(899)
    assert login(client, "xiaoming").status_code == 429
    clock.advance(1)
    assert login(client, "xiaoming").status_code == 200


def test_a_success_clears_the_failure_count(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    for _ in range(4):
        assert login(client, "xiaoming", "guess-guess").status_code == 401
    assert login(client, "xiaoming").status_code == 200
    for _ in range(4):
        assert login(client, "xiaoming", "guess-guess").status_code == 401
    assert login(client, "xiaoming").status_code == 200


def test_twenty_failures_from_one_address_lock_every_username(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "mum")
    # 4 failures on each of 5 names: no single account reaches its own limit of 5.
    for name in ("a-1", "a-2", "a-3", "a-4", "a-5"):
        for _ in range(4):
            assert login(client, name, "guess-guess").status_code == 401
    blocked = login(client, "mum")
    assert_problem(blocked, 429, "rate-limited")
    assert int(blocked.headers["Retry-After"]) >= 1
    clock.advance(900)
    assert login(client, "mum").status_code == 200


def test_retry_after_is_long_enough_for_a_locked_account(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "xiaoming")
    assert login(client, "typo-name", PASSWORD).status_code == 401
    clock.advance(600)
    for _ in range(5):
        assert login(client, "xiaoming", "guess-guess").status_code == 401
    locked = login(client, "xiaoming")
    assert locked.status_code == 429
    clock.advance(int(locked.headers["Retry-After"]))
    assert login(client, "xiaoming").status_code == 200


# -- ownership of accounts and transfers ------------------------------------------------


def open_wallet(client: TestClient, headers: dict[str, str]) -> str:
    """Sign-up already opened the CNY wallet, so asking for it again returns it (200)."""
    response = client.post("/v1/accounts", json={"currency": "CNY"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["balance"] == "0.00"
    return str(response.json()["id"])


def fund(client: TestClient, admin: dict[str, str], bank: str, account: str, amount: str) -> Any:
    body = {
        "debit_account_id": bank,
        "credit_account_id": account,
        "amount": amount,
        "currency": "CNY",
    }
    response = client.post("/v1/ledger/transfers", json=body, headers={**admin, **key()})
    assert response.status_code == 201, response.text
    return response.json()


def pay(
    client: TestClient,
    headers: dict[str, str],
    source: str,
    target: str,
    amount: str,
    idempotency: dict[str, str] | None = None,
) -> Any:
    body = {"from_account_id": source, "to_account_id": target, "amount": amount}
    return client.post("/v1/transfers", json=body, headers={**headers, **(idempotency or key())})


def balance_of(client: TestClient, headers: dict[str, str], account: str) -> str:
    response = client.get(f"/v1/accounts/{account}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["balance"])


def test_one_user_cannot_see_or_move_anothers_money(
    client: TestClient, admin: dict[str, str], clock: ManualClock
) -> None:
    alice, bob = user_headers(client, "alice"), user_headers(client, "bob")
    a, b = open_wallet(client, alice), open_wallet(client, bob)
    bank_response = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False}, headers=admin
    )
    bank = bank_response.json()["id"]
    funding = fund(client, admin, bank, a, "100.00")
    fund(client, admin, bank, b, "5.00")
    clock.advance(60)
    to_bank = pay(client, alice, a, bank, "10.00")
    assert to_bank.status_code == 201, to_bank.text
    clock.advance(60)
    at = "2026-11-01T09:00:30Z"

    # Alice sees all of this about her own account...
    assert balance_of(client, alice, a) == "90.00"
    assert len(client.get(f"/v1/accounts/{a}/history", headers=alice).json()["entries"]) == 2
    then = client.get(f"/v1/accounts/{a}/balance", params={"at": at}, headers=alice)
    assert then.status_code == 200 and then.json()["balance"] == "100.00"
    for transfer in (funding, to_bank.json()):
        seen = client.get(f"/v1/transfers/{transfer['id']}", headers=alice)
        assert seen.status_code == 200 and seen.json()["id"] == transfer["id"]

    # ...and Bob gets 404, as if the account did not exist, on every path.
    for path in (
        f"/v1/accounts/{a}",
        f"/v1/accounts/{a}/history",
        f"/v1/transfers/{funding['id']}",
        f"/v1/transfers/{to_bank.json()['id']}",
    ):
        assert_problem(client.get(path, headers=bob), 404, "not-found")
    sneaky = client.get(f"/v1/accounts/{a}/balance", params={"at": at}, headers=bob)
    assert_problem(sneaky, 404)
    listed = client.get("/v1/accounts", headers=bob).json()["accounts"]
    assert [acc["id"] for acc in listed] == [b]
    assert [acc["id"] for acc in client.get("/v1/accounts", headers=alice).json()["accounts"]] == [
        a
    ]
    # Bob cannot pay himself, or anyone, out of Alice's account.
    for target in (b, bank, a):
        assert_problem(pay(client, bob, a, target, "1.00"), 404)
    # Nor can he reach it through the admin API with his user token.
    assert_problem(client.get(f"/v1/ledger/accounts/{a}", headers=bob), 403, "forbidden")
    admin_move = client.post(
        "/v1/ledger/transfers",
        json={"debit_account_id": a, "credit_account_id": b, "amount": "1.00", "currency": "CNY"},
        headers={**bob, **key()},
    )
    assert_problem(admin_move, 403)
    assert balance_of(client, alice, a) == "90.00"
    assert balance_of(client, bob, b) == "5.00"


def test_a_user_can_pay_another_and_both_see_it(client: TestClient, admin: dict[str, str]) -> None:
    alice, bob = user_headers(client, "alice"), user_headers(client, "bob")
    a, b = open_wallet(client, alice), open_wallet(client, bob)
    bank = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False}, headers=admin
    ).json()["id"]
    fund(client, admin, bank, a, "100.00")

    once = {"Idempotency-Key": "rent-november"}
    paid = pay(client, alice, a, b, "30.50", once)
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "posted" and paid.json()["amount"] == "30.50"
    # A retry with the same key is answered, not paid again.
    again = pay(client, alice, a, b, "30.50", once)
    assert again.status_code == 201 and again.json()["id"] == paid.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert balance_of(client, alice, a) == "69.50"
    assert balance_of(client, bob, b) == "30.50"
    # Both ends of the payment may look it up.
    for who in (alice, bob):
        seen = client.get(f"/v1/transfers/{paid.json()['id']}", headers=who)
        assert seen.status_code == 200 and seen.json()["credit_account_id"] == b

    # Keys belong to their user: Bob's same key is his own, new request.
    back = pay(client, bob, b, a, "0.50", once)
    assert back.status_code == 201 and back.json()["id"] != paid.json()["id"]
    assert "Idempotent-Replayed" not in back.headers
    # Wallets cannot go below zero.
    assert_problem(pay(client, bob, b, a, "30.01"), 409, "insufficient-funds")
    assert balance_of(client, alice, a) == "70.00"
    assert balance_of(client, bob, b) == "30.00"


def test_every_user_endpoint_needs_a_token(client: TestClient) -> None:
    user = user_headers(client, "alice")
    account = open_wallet(client, user)
    calls = [
        ("GET", "/v1/me", None),
        ("POST", "/v1/auth/logout", None),
        ("GET", "/v1/accounts", None),
        ("POST", "/v1/accounts", {"currency": "CNY"}),
        ("GET", f"/v1/accounts/{account}", None),
        ("GET", f"/v1/accounts/{account}/history", None),
        ("GET", f"/v1/accounts/{account}/balance?at=2026-11-01T09:00:00Z", None),
        (
            "POST",
            "/v1/transfers",
            {"from_account_id": account, "to_account_id": account, "amount": "1.00"},
        ),
        ("GET", "/v1/transfers/anything", None),
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=key())
        assert_problem(response, 401, "unauthenticated")
    assert len(client.get("/v1/accounts", headers=user).json()["accounts"]) == 1


# -- admin API switch and error hygiene -------------------------------------------------


def test_admin_api_is_refused_while_no_admin_token_is_set(
    database_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    app = create_app(make_settings(database_url, tmp_path, admin_token=None), clock)
    with TestClient(app, raise_server_exceptions=False) as c:
        for headers in ({}, bearer("anything"), bearer("test-admin-token"), bearer("")):
            response = c.post("/v1/ledger/accounts", json={"currency": "CNY"}, headers=headers)
            assert_problem(response, 403, "forbidden")
        assert_problem(c.get("/v1/ledger/verify", headers=bearer("x")), 403)
        # Users are unaffected: they can still sign up, log in and open a wallet.
        headers = user_headers(c, "alice")
        assert c.post("/v1/accounts", json={}, headers=headers).status_code == 200


def test_errors_reach_the_client_as_problem_json_without_a_trace(
    client: TestClient, admin: dict[str, str]
) -> None:
    broken = client.post(
        "/v1/users", content=b'{"username": "x",', headers={"Content-Type": "application/json"}
    )
    assert_problem(broken, 422, "invalid-input")
    assert_problem(client.post("/v1/auth/login", json=["not", "an", "object"]), 422)
    assert_problem(client.get("/v1/no-such-thing"), 404, "not-found")
    assert_problem(client.put("/v1/me"), 405, "method-not-allowed")
    assert_problem(client.get("/v1/ledger/accounts/nope", headers=admin), 404)
    bad_date = client.get("/v1/ledger/accounts/nope/balance?at=yesterday", headers=admin)
    assert assert_problem(bad_date, 422)["field"] == "at"


def test_malformed_json_names_the_body_as_the_field(client: TestClient) -> None:
    broken = client.post(
        "/v1/users", content=b'{"username": "x",', headers={"Content-Type": "application/json"}
    )
    assert assert_problem(broken, 422)["field"] == "body"
