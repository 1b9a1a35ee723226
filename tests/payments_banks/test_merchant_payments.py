"""Merchants: QR payments, refunds capped at what was paid, settlement, reconciliation."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from bankkit import (
    bank_answers,
    fund,
    key,
    ledger_ok,
    person,
    services_of,
    steady_bank,
    wallet,
)
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anxin.core.clock import ManualClock
from anxin.core.errors import InvalidInput
from anxin.payments.merchants.cli import reconcile_command
from anxin.payments.merchants.settlement import settle_day
from cardkit import link_card

DAY = date(2026, 11, 1)  # the tests start at 17:00 Beijing time on this day


def shop(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    opened = client.post("/v1/merchants", json={"name": "小明咖啡", **extra}, headers=headers)
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


def qr(client: TestClient, headers: dict[str, str], merchant_id: str, **body: Any) -> str:
    made = client.post(f"/v1/merchants/{merchant_id}/qr", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["qr"])


def pay(client: TestClient, headers: dict[str, str], code: str,
        idempotency: dict[str, str] | None = None, **body: Any) -> Any:  # fmt: skip
    return client.post("/v1/merchants/pay", json={"qr": code, **body},
                       headers={**headers, **(idempotency or key())})  # fmt: skip


def refund(client: TestClient, headers: dict[str, str], transfer_id: str,
           idempotency: dict[str, str], **body: Any) -> Any:  # fmt: skip
    return client.post(f"/v1/merchants/payments/{transfer_id}/refunds", json=body,
                       headers={**headers, **idempotency})  # fmt: skip


def test_pay_by_qr_then_partial_and_full_refunds_capped_and_replayed(
    client: TestClient, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    owner, payer = person(bank, "owner", "小明"), person(bank, "payer", "小红")
    fund(bank, admin, payer, "100.00")
    cafe = shop(bank, owner)
    paid = pay(bank, payer, qr(bank, owner, cafe["id"], amount="30.00", order_id="A-1"))
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert (payment["kind"], payment["amount"], payment["order_id"]) == ("payment", "30.00", "A-1")
    assert wallet(bank, payer)["balance"] == "70.00"
    told = bank.get("/v1/notifications", headers=owner).json()["notifications"][0]
    assert "收款 ¥30.00" in told["title"] and "小红" in told["body"]
    # Partial refund, then the rest by default; a retried refund answers the original.
    same = key()
    part = refund(bank, owner, payment["transfer_id"], same, amount="10.00")
    assert part.status_code == 201 and part.json()["amount"] == "10.00"
    retry = refund(bank, owner, payment["transfer_id"], same, amount="10.00")
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["transfer_id"] == part.json()["transfer_id"]
    over = refund(bank, owner, payment["transfer_id"], key(), amount="20.01")
    assert over.status_code == 409 and "20.00" in over.json()["detail"]
    rest = refund(bank, owner, payment["transfer_id"], key())
    assert rest.status_code == 201 and rest.json()["amount"] == "20.00"
    assert refund(bank, owner, payment["transfer_id"], key(), amount="0.01").status_code == 409
    assert wallet(bank, payer)["balance"] == "100.00"
    listed = bank.get(f"/v1/merchants/{cafe['id']}/payments", headers=owner).json()["payments"]
    assert [(p["refunded"], p["refundable"]) for p in listed] == [("30.00", "0.00")]
    reversal = bank.get(f"/v1/ledger/transfers/{rest.json()['transfer_id']}", headers=admin)
    assert reversal.json()["reverses_id"] == payment["transfer_id"]
    # Only the merchant's owner refunds or reads its payments.
    assert refund(bank, payer, payment["transfer_id"], key()).status_code == 404
    assert bank.get(f"/v1/merchants/{cafe['id']}/payments", headers=payer).status_code == 404
    ledger_ok(bank, admin)


def test_tampered_expired_and_wrong_codes_are_refused(
    client: TestClient, clock: ManualClock, admin: dict[str, str]
) -> None:
    bank = steady_bank(client)
    owner, payer = person(bank, "owner2"), person(bank, "payer2")
    fund(bank, admin, payer, "100.00")
    cafe = shop(bank, owner)
    code = qr(bank, owner, cafe["id"], amount="5.00", order_id="B-7", expires_in_seconds=60)
    prefix, body, signature = code.split(".")
    forged = f"{prefix}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}"
    for bad in (forged, code[:-1], "hello", f"{prefix}.{body}.x"):
        refused = pay(bank, payer, bad)
        assert refused.status_code == 422 and refused.json()["field"] == "qr", bad
    assert pay(bank, payer, code, amount="6.00").status_code == 422  # a fixed code's amount
    open_code = qr(bank, owner, cafe["id"])
    assert pay(bank, payer, open_code).json()["field"] == "amount"
    assert pay(bank, payer, open_code, amount="2.50").status_code == 201
    assert pay(bank, owner, open_code, amount="1.00").status_code == 422  # your own shop
    assert pay(bank, payer, code).status_code == 201
    assert pay(bank, payer, code).status_code == 409  # order B-7 is paid already
    clock.advance(61)
    fresh = qr(bank, owner, cafe["id"], expires_in_seconds=60)
    assert pay(bank, payer, fresh, amount="1.00").status_code == 201
    expired = pay(bank, payer, code)
    assert expired.status_code == 422 and "expired" in expired.json()["detail"]
    assert wallet(bank, payer)["balance"] == "91.50"


def test_daily_settlement_and_reconciliation_find_every_mismatch(
    client: TestClient, clock: ManualClock, admin: dict[str, str], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    bank = steady_bank(client)
    owner, payer = person(bank, "owner3"), person(bank, "payer3")
    fund(bank, admin, payer, "500.00")
    cafe = shop(bank, owner, payout_card_id=link_card(bank, owner))
    code = qr(bank, owner, cafe["id"], expires_in_seconds=86_400)
    first = pay(bank, payer, code, amount="120.00").json()
    second = pay(bank, payer, code, amount="30.00").json()
    refund(bank, owner, second["transfer_id"], key(), amount="5.00")
    clock.advance(hours=8)  # 01:00 the next day in Beijing: after the day ended
    pay(bank, payer, code, amount="40.00")  # the next day's takings stay for the next day
    services = services_of(bank)
    with pytest.raises(InvalidInput):
        settle_day(services, DAY + timedelta(days=1))  # today has not ended
    settle_day(services, DAY)
    settle_day(services, DAY)  # a day is settled once
    rows = bank.get(f"/v1/merchants/{cafe['id']}/settlements", headers=owner).json()
    ours = [s for s in rows["settlements"] if s["day"] == DAY.isoformat()]
    assert [(s["amount"], s["status"]) for s in ours] == [("145.00", "pending")]
    assert bank.get(f"/v1/merchants/{cafe['id']}", headers=owner).json()["available_balance"] == (
        "40.00"
    )
    bank_answers(bank, clock)
    merchant = bank.get(f"/v1/merchants/{cafe['id']}", headers=owner).json()
    assert merchant["balance"] == "40.00"
    ours = bank.get(f"/v1/merchants/{cafe['id']}/settlements", headers=owner).json()
    assert ours["settlements"][0]["status"] == "succeeded"
    ledger_ok(bank, admin)

    statement = bank.get(f"/v1/merchants/{cafe['id']}/statement?date={DAY}", headers=owner)
    assert statement.status_code == 200 and statement.text.startswith("date,merchant_id,")
    lines = statement.text.splitlines()
    assert len(lines) == 4 and lines[-1].endswith(",-5.00")
    cli = typer.Typer()
    cli.command()(reconcile_command)

    def run(text: str) -> Any:
        path = tmp_path / "statement.csv"
        path.write_text(text, encoding="utf-8")
        return CliRunner().invoke(cli, [str(path), "--db", database_url, "--json"])

    clean = run(statement.text)
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["ok"] is True
    header, pay1, _, back = lines
    altered = [
        header,
        pay1.replace("120.00", "121.00"),  # amount differs
        back, back,  # listed twice; pay2 left out: missing in the CSV
        f"{DAY},{cafe['id']},01JNOTATRANSFER0000000000,9.99",  # missing in the ledger
    ]  # fmt: skip
    found = run("\n".join(altered) + "\n")
    assert found.exit_code == 1, found.output
    kinds = {(m["kind"], m["transfer_id"]) for m in json.loads(found.stdout)["mismatches"]}
    assert kinds == {
        ("amount_differs", first["transfer_id"]),
        ("duplicate", back.split(",")[2]),
        ("missing_in_csv", second["transfer_id"]),
        ("missing_in_ledger", "01JNOTATRANSFER0000000000"),
    }
    assert run("date,amount\n").exit_code == 2
