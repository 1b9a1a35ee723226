"""Schedules end to end: monthly payments caught up after downtime, auto-pay, retries."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from billkit import People, people_of
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anxin.core.clock import ManualClock
from anxin.payments.schedules.cli import worker_command
from anxin.payments.schedules.worker import run_due, run_worker

MONTHLY_ON_THE_1ST = {"frequency": "monthly", "day_of_month": 1, "time": "09:00"}


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_of(client, admin)


@pytest.fixture
def family(people: People) -> dict[str, dict[str, str]]:
    dad = people.sign_up("laozhang", "13800000001", "老张")
    daughter = people.sign_up("xiaomei", "13800000002", "小美")
    people.fund(dad, "10000.00")
    daughter_contact = {"name": "女儿", "aliases": ["daughter"], "username": "xiaomei"}
    added = people.client.post("/v1/contacts", headers=dad, json=daughter_contact)
    assert added.status_code == 201, added.text
    return {"dad": dad, "daughter": daughter}


def _schedule(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    made = client.post("/v1/schedules", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return dict(made.json())


def _runs(client: TestClient, headers: dict[str, str], schedule_id: str) -> list[dict[str, Any]]:
    found = client.get(f"/v1/schedules/{schedule_id}/runs", headers=headers)
    assert found.status_code == 200, found.text
    return list(found.json()["runs"])


def test_catch_up_after_downtime_pays_each_missed_month_once(
    client: TestClient, people: People, clock: ManualClock, family: dict[str, dict[str, str]]
) -> None:
    dad = family["dad"]
    made = _schedule(client, dad, kind="p2p", payee="daughter", amount="2000.00",
                     repeat=MONTHLY_ON_THE_1ST, description="每月1号给女儿2000")  # fmt: skip
    assert made["to"]["name"] == "女儿" and made["status"] == "active"
    assert made["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    assert made["next_run_at"] == "2026-12-01T01:00:00Z"  # 09:00 in Shanghai
    assert run_due(people.services).planned == 0  # nothing is due at creation

    clock.advance(days=101)  # the worker was down from 1 November to 10 February
    report = run_due(people.services)
    assert report.planned == 3 and report.outcomes == {"paid": 3}
    dad, daughter = family["dad"], family["daughter"]
    assert people.balance(daughter)[0] == "6000.00"
    assert people.balance(dad)[0] == "4000.00"
    runs = _runs(client, dad, made["id"])
    assert [(r["occurrence"], r["status"], r["attempts"]) for r in runs] == [
        ("2027-02-01", "paid", 1), ("2027-01-01", "paid", 1), ("2026-12-01", "paid", 1)
    ]  # fmt: skip
    assert all(r["transfer_id"] for r in runs)

    again = run_due(people.services)
    assert again.planned == 0 and again.outcomes == {}
    assert people.balance(daughter)[0] == "6000.00"
    schedule = client.get(f"/v1/schedules/{made['id']}", headers=dad).json()
    assert schedule["next_run_at"] == "2027-03-01T01:00:00Z"
    people.verify()


def test_a_payment_scheduled_once_for_a_later_date_is_paid_on_that_day_only(
    client: TestClient, people: People, clock: ManualClock, family: dict[str, dict[str, str]]
) -> None:
    dad, daughter = family["dad"], family["daughter"]
    made = _schedule(
        client,
        dad,
        kind="p2p",
        payee="daughter",
        amount="500.00",
        repeat={"frequency": "once", "time": "10:00"},
        starts_on="2026-12-05",
    )
    assert made["next_run_at"] == "2026-12-05T02:00:00Z"  # fmt: skip
    clock.advance(days=3)
    assert run_due(people.services).outcomes == {}  # not yet
    assert people.balance(daughter)[0] == "0.00"
    clock.advance(days=40)  # the worker was down on the day itself: caught up once
    assert run_due(people.services).outcomes == {"paid": 1}
    assert run_due(people.services).outcomes == {}
    assert people.balance(daughter)[0] == "500.00"
    assert client.get(f"/v1/schedules/{made['id']}", headers=dad).json()["next_run_at"] is None


def test_a_rerun_after_a_crash_cannot_pay_twice(
    client: TestClient, people: People, clock: ManualClock, family: dict[str, dict[str, str]]
) -> None:
    """A worker died after paying but before recording: the run is carried out again."""
    from sqlalchemy import update

    from anxin.payments.schedules import tables as t

    made = _schedule(client, family["dad"], kind="p2p", payee="女儿", amount="2000.00",
                     rrule="RRULE:FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9")  # fmt: skip
    clock.advance(days=31)
    assert run_due(people.services).outcomes == {"paid": 1}
    with people.services.db.write() as conn:  # as if the outcome had never been written
        conn.execute(update(t.schedule_runs).values(status="running", lease_until=0))
    assert run_due(people.services).outcomes == {"paid": 1}
    assert people.balance(family["daughter"])[0] == "2000.00"
    runs = _runs(client, family["dad"], made["id"])
    assert [(r["status"], r["attempts"]) for r in runs] == [("paid", 2)]


def test_a_refused_payment_fails_the_run_and_tells_the_owner(
    client: TestClient, people: People, clock: ManualClock, family: dict[str, dict[str, str]]
) -> None:
    dad = family["dad"]
    made = _schedule(client, dad, kind="p2p", contact_id=_contact(client, family),
                     amount="6000.00", repeat=MONTHLY_ON_THE_1ST)  # fmt: skip
    clock.advance(days=62)  # two occurrences; the second finds too little money
    assert run_due(people.services).outcomes == {"paid": 1, "failed": 1}
    failed = _runs(client, dad, made["id"])[0]
    assert failed["status"] == "failed" and failed["error"]["type"].endswith("insufficient-funds")
    inbox = client.get("/v1/notifications", headers=dad).json()["notifications"]
    assert "定时转账未成功" in inbox[0]["title"]
    assert run_due(people.services).outcomes == {}  # a refusal is not retried

    assert client.delete(f"/v1/schedules/{made['id']}", headers=dad).status_code == 204
    clock.advance(days=31)
    assert run_due(people.services).planned == 0
    assert client.get(f"/v1/schedules/{made['id']}", headers=dad).json()["status"] == "cancelled"
    other = family["daughter"]
    assert client.get(f"/v1/schedules/{made['id']}", headers=other).status_code == 404
    assert client.delete(f"/v1/schedules/{made['id']}", headers=other).status_code == 404


def _contact(client: TestClient, family: dict[str, dict[str, str]]) -> str:
    return str(client.get("/v1/contacts", headers=family["dad"]).json()["contacts"][0]["id"])


def test_autopay_pays_each_new_bill_before_it_is_due(
    client: TestClient, people: People, clock: ManualClock
) -> None:
    me = people.sign_up("xiaoming", "13800000003", "小明")
    people.fund(me, "1000.00")
    account = people.bind(me, "electricity", "0312345678")
    made = _schedule(client, me, kind="bill_autopay", bill_account_id=account["id"],
                     when="before_due", days_before_due=3, max_amount="500.00")  # fmt: skip
    assert made["account"] == "electricity 0312345678" and made["days_before_due"] == 3
    assert run_due(people.services).planned == 0  # November's bill predates auto-pay

    clock.advance(days=30)  # 1 December: the new bill is out, due on the 25th
    assert run_due(people.services).planned == 0  # not yet: pay three days before due
    clock.advance(days=21)  # 22 December
    report = run_due(people.services)
    assert report.outcomes == {"paid": 1}
    december = client.get("/v1/bills?period=2026-12&status=all", headers=me).json()["bills"][0]
    assert december["status"] == "paid"
    november = client.get("/v1/bills", headers=me).json()["bills"]
    assert [b["period"] for b in november] == ["2026-11"]  # still the person's to pay
    spent = people.biller_balance("electricity")
    inbox = client.get("/v1/notifications", headers=me).json()["notifications"]
    assert inbox[0]["category"] == "bill" and "电费缴费成功" in inbox[0]["title"]
    assert run_due(people.services).outcomes == {}
    assert people.biller_balance("electricity") == spent
    people.verify()


def test_autopay_retries_a_biller_timeout_with_backoff(
    client: TestClient, people: People, clock: ManualClock
) -> None:
    me = people.sign_up("xiaoming", "13800000003", "小明")
    people.fund(me, "1000.00")
    account = people.bind(me, "water", "20231234")
    made = _schedule(client, me, kind="bill_autopay", bill_account_id=account["id"])
    people.services.billers.fail_next("water", "timeout", times=2)  # type: ignore[attr-defined]
    clock.advance(days=30)  # 1 December, the day the bill is issued
    assert run_due(people.services).outcomes == {"retrying": 1}
    assert run_due(people.services).outcomes == {}  # backing off
    clock.advance(seconds=61)
    assert run_due(people.services).outcomes == {"retrying": 1}
    clock.advance(seconds=61)
    assert run_due(people.services).outcomes == {}  # the second wait is two minutes
    clock.advance(seconds=60)
    assert run_due(people.services).outcomes == {"paid": 1}
    [run] = _runs(client, me, made["id"])
    assert run["status"] == "paid" and run["attempts"] == 3 and run["error"] is None
    assert Decimal(people.balance(me)[0]) == 1000 - Decimal(people.biller_balance("water"))
    assert people.balance(me)[0] == people.balance(me)[1]  # no hold left behind
    people.verify()


def test_schedules_refuse_what_they_cannot_do(
    client: TestClient, people: People, family: dict[str, dict[str, str]]
) -> None:
    dad = family["dad"]
    base = {"kind": "p2p", "payee": "女儿", "amount": "100.00"}
    for extra, field in (({"rrule": "FREQ=HOURLY"}, "rrule"), ({}, "rrule"),
                         ({"repeat": {"frequency": "monthly"}}, "day_of_month"),
                         ({"repeat": MONTHLY_ON_THE_1ST, "timezone": "Mars/Base"}, "timezone"),
                         ({"repeat": MONTHLY_ON_THE_1ST, "amount": "-1"}, "amount")):  # fmt: skip
        refused = client.post("/v1/schedules", json={**base, **extra}, headers=dad)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    stranger = {**base, "payee": "nobody", "repeat": MONTHLY_ON_THE_1ST}
    nobody = client.post("/v1/schedules", headers=dad, json=stranger)
    assert nobody.status_code == 404
    key = {**dad, "Idempotency-Key": "rent"}
    body = {**base, "repeat": {"frequency": "monthly", "day_of_month": 31, "time": "08:00"}}
    first = client.post("/v1/schedules", json=body, headers=key)
    again = client.post("/v1/schedules", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["next_run_at"] == "2026-11-30T00:00:00Z"  # 31st → last day of November
    assert len(client.get("/v1/schedules", headers=dad).json()["schedules"]) == 1
    autopay = client.post("/v1/schedules", json={"kind": "bill_autopay", "bill_account_id": "x"},
                          headers=dad)  # fmt: skip
    assert autopay.status_code == 404


def test_the_worker_loop_pays_and_stops_when_told(
    client: TestClient, people: People, clock: ManualClock, family: dict[str, dict[str, str]]
) -> None:
    _schedule(client, family["dad"], kind="p2p", payee="女儿", amount="10.00",
              repeat={"frequency": "daily", "time": "08:00"})  # fmt: skip
    clock.advance(days=3)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(people.services, stop, 0.01))
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while people.balance(family["daughter"])[0] != "30.00":
            assert time.monotonic() < deadline, "the worker did not pay in time"
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert people.balance(family["daughter"])[0] == "30.00"


def test_worker_command_runs_one_pass(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the command keeps its generated signing key in ./.anxin
    app = typer.Typer()
    app.command()(worker_command)
    done = CliRunner().invoke(app, ["--db", database_url, "--once"])
    assert done.exit_code == 0, done.output
    assert "planned 0 occurrences; runs none; resumed 0 bill payments" in done.output
