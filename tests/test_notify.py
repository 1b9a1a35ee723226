"""Notifications reach people: in-app, by email over real SMTP, by (sandbox) SMS."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

import smskit
from anxin.api import app as app_module
from anxin.api.app import create_app, deliver_backlog
from anxin.core.clock import ManualClock
from anxin.core.db import Database, alembic_config
from anxin.identity.preferences import LANGUAGES
from anxin.notify import service
from anxin.notify.dispatch import MAX_ATTEMPTS, ROUND, dispatch_pending
from conftest import PostgresSchema, make_settings

PASSWORD = "long enough password"


class Inbox:
    """An SMTP server's received mail, decoded."""

    def __init__(self) -> None:
        self.mails: list[dict[str, str]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content)
        self.mails.append({
            "to": ",".join(envelope.rcpt_tos),
            "subject": str(make_header(decode_header(mail["Subject"]))),
            "body": mail.get_payload(decode=True).decode(),
        })  # fmt: skip
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(autouse=True)
def no_background_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests deliver by calling `dispatch` themselves; the app's own once-a-second
    maintenance loop would race them for the same messages (and win under load)."""
    monkeypatch.setattr(app_module, "MAINTENANCE_SECONDS", 3600.0)


@pytest.fixture
def app_client(
    database_url: str, tmp_path: Path, clock: ManualClock, smtp: tuple[Inbox, int]
) -> Iterator[TestClient]:
    settings = make_settings(
        database_url, tmp_path, smtp_host="127.0.0.1", smtp_port=smtp[1],
        sms_log=tmp_path / "sms.log",
    )  # fmt: skip
    with TestClient(create_app(settings, clock), raise_server_exceptions=False) as client:
        yield client


def sign_up(client: TestClient, username: str, phone: str, email: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "phone": phone, "email": email,
            "display_name": username.title()}  # fmt: skip
    smskit.sign_up(client, body)
    login = client.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['token']}"}


def dispatch(client: TestClient) -> int:
    services = client.app.state.services  # type: ignore[attr-defined]
    return dispatch_pending(services.db, services.clock, services.channels, services.recipient)


def notify(client: TestClient, user_id: str, category: str, title: str) -> None:
    from anxin.core.clock import to_micros
    from anxin.notify import Message, enqueue

    services = client.app.state.services  # type: ignore[attr-defined]
    with services.db.write() as conn:
        enqueue(conn, [Message(
            user_id, category, title_zh=title, body_zh=f"{title}正文",
            title_en=f"{title} (en)", body_en=f"{title} body",
        )], to_micros(services.clock.now()))  # fmt: skip


def pay_mum_twenty(client: TestClient, admin: dict[str, str], son: dict[str, str]) -> None:
    """Fund the son's wallet with 100.00 and pay 20.00 to the user "mum"."""
    wallet = client.get("/v1/accounts", headers=son).json()["accounts"][0]["id"]
    bank = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                       headers=admin).json()["id"]  # fmt: skip
    client.post("/v1/ledger/transfers", headers={**admin, "Idempotency-Key": "f"}, json={
        "debit_account_id": bank, "credit_account_id": wallet, "amount": "100.00",
        "currency": "CNY"})  # fmt: skip
    paid = client.post("/v1/payments/p2p", headers={**son, "Idempotency-Key": "p"},
                       json={"to": {"username": "mum"}, "amount": "20.00"})  # fmt: skip
    assert paid.status_code == 201


def user_id(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/v1/me", headers=headers).json()["id"])


def test_channels_follow_preferences_and_security_goes_everywhere(
    app_client: TestClient, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    alice = sign_up(app_client, "alice", "13800000011", "alice@example.com")
    me = user_id(app_client, alice)
    prefs = app_client.put(
        "/v1/notifications/preferences", json={"payment": ["in_app"], "bill": ["email"]},
        headers=alice,
    )  # fmt: skip
    assert prefs.status_code == 200
    assert prefs.json()["preferences"]["payment"] == ["in_app"]

    notify(app_client, me, "payment", "收到转账")
    notify(app_client, me, "bill", "电费账单")
    notify(app_client, me, "security", "新设备登录")
    dispatch(app_client)

    subjects = [mail["subject"] for mail in inbox.mails]
    assert sorted(subjects) == ["新设备登录", "电费账单"]
    assert all(mail["to"] == "alice@example.com" for mail in inbox.mails)
    sms = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(sms) == 1 and "SANDBOX SMS" in sms[0] and "新设备登录" in sms[0]
    assert "13800000011" in sms[0]
    # Everything is in the in-app inbox whatever the channels.
    titles = {n["title"] for n in app_client.get("/v1/notifications", headers=alice).json()[
        "notifications"]}  # fmt: skip
    assert titles == {"收到转账", "电费账单", "新设备登录"}
    # Delivered once: another round sends nothing more.
    assert dispatch(app_client) == 0
    assert len(inbox.mails) == 2


def test_security_cannot_be_switched_off_and_bad_choices_are_refused(
    app_client: TestClient, smtp: tuple[Inbox, int]
) -> None:
    alice = sign_up(app_client, "alice", "13800000011", "alice@example.com")
    app_client.put("/v1/notifications/preferences", json={"security": []}, headers=alice)
    notify(app_client, user_id(app_client, alice), "security", "账户已冻结")
    dispatch(app_client)
    assert [m["subject"] for m in smtp[0].mails] == ["账户已冻结"]
    bad = app_client.put("/v1/notifications/preferences", json={"payment": ["pigeon"]},
                         headers=alice)  # fmt: skip
    assert bad.status_code == 422
    unknown = app_client.put("/v1/notifications/preferences", json={"spam": []}, headers=alice)
    assert unknown.status_code == 422


def test_an_unreachable_mail_server_is_retried_with_backoff(
    database_url: str, tmp_path: Path, clock: ManualClock, smtp: tuple[Inbox, int]
) -> None:
    settings = make_settings(database_url, tmp_path, smtp_host="127.0.0.1",
                             smtp_port=free_port(), sms_log=tmp_path / "sms.log")  # fmt: skip
    with TestClient(create_app(settings, clock), raise_server_exceptions=False) as client:
        alice = sign_up(client, "alice", "13800000011", "alice@example.com")
        notify(client, user_id(client, alice), "bill", "水费账单")
        assert dispatch(client) == 1  # tried and failed: it stays, to be retried
        assert dispatch(client) == 0  # not due yet: backing off
        for _ in range(MAX_ATTEMPTS):
            clock.advance(3600)
            dispatch(client)
        services = client.app.state.services  # type: ignore[attr-defined]
        with services.db.read() as conn:
            row = conn.exec_driver_sql(
                "SELECT attempts, dispatched_at, last_error FROM notifications"
            ).one()
        assert row[0] == MAX_ATTEMPTS and row[1] is not None and "SMTP" in row[2]


def test_a_payment_tells_both_people_by_their_channels(
    app_client: TestClient, admin: dict[str, str], smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    son = sign_up(app_client, "son", "13800000021", "son@example.com")
    sign_up(app_client, "mum", "13800000022", "mum@example.com")
    pay_mum_twenty(app_client, admin, son)
    dispatch(app_client)
    sms = (tmp_path / "sms.log").read_text(encoding="utf-8")
    # Payments default to in-app plus SMS.
    assert "13800000021" in sms and "13800000022" in sms and "20.00" in sms
    assert smtp[0].mails == []


def test_each_person_reads_and_is_sent_their_own_language(
    app_client: TestClient, admin: dict[str, str], smtp: tuple[Inbox, int], tmp_path: Path,
    clock: ManualClock,
) -> None:  # fmt: skip
    son = sign_up(app_client, "son", "13800000021", "son@example.com")
    mum = sign_up(app_client, "mum", "13800000022", "mum@example.com")
    english = app_client.patch("/v1/me/preferences", json={"language": "en"}, headers=son)
    assert english.status_code == 200
    pay_mum_twenty(app_client, admin, son)
    clock.advance(1)
    notify(app_client, user_id(app_client, son), "security", "账户已冻结")
    dispatch(app_client)

    sms = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith("13800000022: 收到Son转账 ¥20.00 Son向您转账¥20.00。") for line in sms)
    assert any(line.endswith("13800000021: Sent ¥20.00 to Mum You sent ¥20.00 to Mum.")
               for line in sms)  # fmt: skip
    assert [(m["subject"], m["body"].strip()) for m in smtp[0].mails] == [
        ("账户已冻结 (en)", "账户已冻结 body")
    ]

    def shown(headers: dict[str, str], query: str = "") -> tuple[str, list[str]]:
        box = app_client.get(f"/v1/notifications{query}", headers=headers).json()
        return box["lang"], [n["title"] for n in box["notifications"]]

    assert shown(mum) == ("zh", ["收到Son转账 ¥20.00"])
    assert shown(son) == ("en", ["账户已冻结 (en)", "Sent ¥20.00 to Mum"])
    assert shown(mum, "?lang=en") == ("en", ["Son sent you ¥20.00"])
    assert shown(son, "?lang=zh") == ("zh", ["账户已冻结", "已向Mum转账 ¥20.00"])
    assert app_client.get("/v1/notifications?lang=fr", headers=mum).status_code == 422


def test_a_notification_stored_before_both_languages_still_reads_in_both(
    backend: str, tmp_path: Path
) -> None:
    schema = PostgresSchema() if backend == "postgresql" else None
    db = Database(schema.url if schema else f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with db.engine.begin() as conn:
            # The schema as it was, and a row in its shape: a Chinese title, an English body.
            command.upgrade(alembic_config(conn), "0002_payments")
            conn.execute(text(
                "INSERT INTO notifications (id, user_id, category, title, body, created_at) "
                "VALUES ('n1', 'u1', 'payment', :title, :body, 1)"
            ), {"title": "已向妈妈转账 ¥500.00", "body": "You sent ¥500.00 to 妈妈."})  # fmt: skip
        db.upgrade()
        with db.read() as conn:
            read = {lang: service.inbox(conn, "u1", lang)["notifications"] for lang in LANGUAGES}
    finally:
        db.dispose()
        if schema is not None:
            schema.drop()
    for lang in LANGUAGES:
        assert [(n["title"], n["body"]) for n in read[lang]] == [
            ("已向妈妈转账 ¥500.00", "You sent ¥500.00 to 妈妈.")
        ]


def test_one_time_codes_jump_the_queue(app_client: TestClient, smtp: tuple[Inbox, int]) -> None:
    """A step-up code waits behind nothing: a busy hour's receipts would make it late."""
    alice = sign_up(app_client, "alice", "13800000011", "alice@example.com")
    me = user_id(app_client, alice)
    for n in range(3):
        notify(app_client, me, "payment", f"收到转账{n}")
    notify(app_client, me, "code", "安心验证码 123456")
    services = app_client.app.state.services  # type: ignore[attr-defined]
    claimed = dispatch_pending(
        services.db, services.clock, services.channels, services.recipient, limit=1
    )
    assert claimed == 1
    with services.db.read() as conn:
        sent = (
            conn.exec_driver_sql(
                "SELECT category FROM notifications WHERE dispatched_at IS NOT NULL"
            )
            .scalars()
            .all()
        )
    assert sent == ["code"]


def test_a_backlog_is_delivered_in_one_maintenance_turn(
    app_client: TestClient, smtp: tuple[Inbox, int]
) -> None:
    """More than a round's worth queued in a busy second all goes out in the next turn."""
    alice = sign_up(app_client, "alice", "13800000011", "alice@example.com")
    me = user_id(app_client, alice)
    for n in range(ROUND * 2 + 5):
        notify(app_client, me, "payment", f"收到转账{n}")
    services = app_client.app.state.services  # type: ignore[attr-defined]
    # On a thread of its own: an earlier test's event loop may still run on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, deliver_backlog(services)).result()
    with services.db.read() as conn:
        left = conn.exec_driver_sql(
            "SELECT count(*) FROM notifications WHERE dispatched_at IS NULL"
        ).scalar()
    assert left == 0
