"""The assistant end to end over HTTP, on SQLite and PostgreSQL: money moves only after yes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chatkit import PASSWORD, balance, family, force_verdict, say, wallet
from fastapi.testclient import TestClient

from anxin.api.app import create_app
from anxin.core.clock import ManualClock
from anxin.privacy.consents import set_consent
from conftest import make_settings
from smskit import texted_code

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    return family(client, admin)


def transfers(client: TestClient, admin: dict[str, str], account_id: str) -> list[Any]:
    got = client.get(f"/v1/ledger/accounts/{account_id}/history", headers=admin)
    assert got.status_code == 200, got.text
    return list(got.json()["entries"])


def test_mum_gets_500_only_after_confirmation(client: TestClient, people: dict[str, Any]) -> None:
    son, mum = people["son"], people["mum"]
    asked = say(client, son, "给妈妈转五百")
    assert asked["kind"] == "confirm"
    assert "妈妈" in asked["text"] and "¥500.00" in asked["text"]
    assert "手续费 ¥0.00" in asked["text"]
    assert "今天（2026-11-01）" in asked["text"]
    assert asked["action"] == {**asked["action"], "payee": "妈妈", "amount": "500.00",
                               "fee": "0.00", "date": "2026-11-01"}  # fmt: skip
    assert balance(client, mum) == "0.00"
    done = say(client, son, "确认")
    assert done["kind"] == "done" and done["action"]["transfer_id"]
    assert balance(client, mum) == "500.00" and balance(client, son) == "500.00"


def test_english_correction_then_yes(client: TestClient, people: dict[str, Any]) -> None:
    son, mum = people["son"], people["mum"]
    asked = say(client, son, "send 500 to mum")
    assert asked["kind"] == "confirm" and asked["lang"] == "en"
    assert "¥500.00" in asked["text"] and "today" in asked["text"]
    corrected = say(client, son, "no, 800")
    assert corrected["kind"] == "confirm" and "¥800.00" in corrected["text"]
    assert balance(client, mum) == "0.00"
    assert say(client, son, "yes")["kind"] == "done"
    assert balance(client, mum) == "800.00"


def test_missing_amount_is_asked_then_cancel_moves_nothing(
    client: TestClient, people: dict[str, Any]
) -> None:
    son, mum = people["son"], people["mum"]
    asked = say(client, son, "给妈妈转钱")
    assert asked["kind"] == "ask" and asked["slot"] == "amount" and asked["text"] == "转多少钱？"
    confirm = say(client, son, "八百")
    assert confirm["kind"] == "confirm" and "¥800.00" in confirm["text"]
    assert say(client, son, "算了")["kind"] == "cancelled"
    assert say(client, son, "确认")["kind"] == "answer"  # nothing left to confirm
    assert balance(client, mum) == "0.00" and balance(client, son) == "1000.00"


def test_ambiguous_payee_offers_choices(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    choose = say(client, son, "给王哥转100")
    assert choose["kind"] == "choose" and choose["slot"] == "payee"
    assert sorted(c["label"] for c in choose["choices"]) == ["小王", "老王"]
    confirm = say(client, son, "老王")
    assert confirm["kind"] == "confirm" and "老王" in confirm["text"]


def test_insufficient_funds_explained_in_both_languages(
    client: TestClient, people: dict[str, Any]
) -> None:
    son, mum = people["son"], people["mum"]
    say(client, son, "给妈妈转五千")
    refused = say(client, son, "确认")
    assert refused["kind"] == "refused" and refused["data"]["code"] == "insufficient_funds"
    assert "余额不足" in refused["text"] and "¥1,000.00" in refused["text"]
    say(client, son, "send 5000 to mum")
    refused = say(client, son, "yes")
    assert refused["kind"] == "refused" and "only ¥1,000.00" in refused["text"]
    assert balance(client, mum) == "0.00"


def test_restart_continues_the_dialogue(
    client: TestClient, people: dict[str, Any], database_url: str, tmp_path: Path,
    clock: ManualClock,
) -> None:  # fmt: skip
    son, mum = people["son"], people["mum"]
    first = client.post("/v1/assistant/messages", json={"text": "给妈妈转五百"}, headers=son)
    session_id = first.json()["session_id"]
    restarted = create_app(make_settings(database_url, tmp_path), clock)
    with TestClient(restarted) as again:
        state = again.get("/v1/assistant/session", headers=son).json()
        assert state["session_id"] == session_id and state["state"]["stage"] == "confirming"
        done = again.post("/v1/assistant/messages",
                          json={"text": "确认", "session_id": session_id}, headers=son)  # fmt: skip
        assert done.json()["reply"]["kind"] == "done"
        assert balance(again, mum) == "500.00"


def test_idle_session_expires(
    client: TestClient, people: dict[str, Any], clock: ManualClock
) -> None:
    son, mum = people["son"], people["mum"]
    say(client, son, "给妈妈转五百")
    clock.advance(minutes=31)
    late = say(client, son, "确认")
    assert late["kind"] == "answer" and "30" in late["text"]
    assert balance(client, mum) == "0.00"


def test_delete_session_cancels(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    say(client, son, "给妈妈转五百")
    assert client.delete("/v1/assistant/session", headers=son).status_code == 204
    assert say(client, son, "确认")["kind"] == "answer"
    assert balance(client, son) == "1000.00"


def test_unknown_session_id_is_404(client: TestClient, people: dict[str, Any]) -> None:
    response = client.post("/v1/assistant/messages", json={"text": "hi", "session_id": "nope"},
                           headers=people["son"])  # fmt: skip
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_requires_login(client: TestClient) -> None:
    assert client.post("/v1/assistant/messages", json={"text": "查余额"}).status_code == 401


def test_balance_savings_and_fx(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    assert "钱包 ¥1,000.00" in say(client, son, "查余额")["text"]
    confirm = say(client, son, "存200块旅游")
    assert confirm["kind"] == "confirm" and "¥200.00" in confirm["text"]
    assert say(client, son, "确认")["kind"] == "done"
    assert balance(client, son) == "800.00"
    assert "储蓄 ¥200.00" in say(client, son, "查余额")["text"]
    quote = say(client, son, "把100人民币换成美元")
    assert quote["kind"] == "confirm" and quote["action"]["buy_currency"] == "USD"
    assert balance(client, son) == "800.00"
    assert say(client, son, "确认")["kind"] == "done"
    assert balance(client, son) == "700.00"


def test_recurring_transfer_creates_a_schedule_after_yes(
    client: TestClient, people: dict[str, Any]
) -> None:
    son = people["son"]
    confirm = say(client, son, "每月1号给妈妈转200")
    assert confirm["kind"] == "confirm" and "每月1号" in confirm["text"]
    assert client.get("/v1/schedules", headers=son).json()["schedules"] == []
    assert say(client, son, "确认")["kind"] == "done"
    assert len(client.get("/v1/schedules", headers=son).json()["schedules"]) == 1
    assert balance(client, son) == "1000.00"


def test_faq_answer_and_handover(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    answer = say(client, son, "提现一般收多少费用")
    assert answer["kind"] == "answer" and "1000" in answer["text"]
    handover = say(client, son, "今天天气怎么样")
    assert handover["kind"] == "handover" and "转人工" in handover["text"]


def test_transcript_follows_consent(client: TestClient, people: dict[str, Any]) -> None:
    from anxin.assistant import sessions

    services = client.app.state.services  # type: ignore[attr-defined]
    son = people["son"]
    me = client.get("/v1/me", headers=son).json()
    set_consent(services.db, me["id"], "assistant_history", True, actor="user", at=0)
    say(client, son, "查余额")
    kept = sessions.transcript(services, me["id"])
    assert [t["role"] for t in kept] == ["user", "assistant"] and kept[0]["text"] == "查余额"
    set_consent(services.db, me["id"], "assistant_history", False, actor="user", at=1)
    say(client, son, "查余额")
    assert sessions.transcript(services, me["id"]) == []


def test_erasure_forgets_the_assistant(client: TestClient, people: dict[str, Any]) -> None:
    from anxin.assistant import sessions

    services = client.app.state.services  # type: ignore[attr-defined]
    son = people["son"]
    me = client.get("/v1/me", headers=son).json()
    say(client, son, "今天天气怎么样")
    assert len(sessions.handovers(services, me["id"])) == 1
    for forget in services.on_erase:
        forget(me["id"])
    assert sessions.handovers(services, me["id"]) == []
    assert sessions.transcript(services, me["id"]) == []
    assert client.get("/v1/assistant/session", headers=son).json()["state"]["turn"] == 0


MONEY_SCRIPTS = [
    ("transfer", "给妈妈转五百"),
    ("bill_pay", "帮我交这个月的电费"),
    ("bill_pay", "充100话费"),
    ("savings_goal", "帮我存2000块旅游"),
    ("fx_exchange", "把100人民币换成美元"),
    ("salary_split", "工资的30%存起来"),
    ("transfer", "每月1号给妈妈转200"),
    ("reminder", "每周五提醒我给妈妈转100"),
    ("card_repay", "还信用卡3000"),
    ("invest", "买5000的基金"),
]


def test_every_money_intent_waits_for_yes(
    client: TestClient, admin: dict[str, str], people: dict[str, Any]
) -> None:
    son = people["son"]
    bound = client.post("/v1/bills/accounts",
                        json={"biller": "electricity", "account_number": "0312345678"},
                        headers=son)  # fmt: skip
    assert bound.status_code == 201, bound.text
    account_id = wallet(client, son)["id"]
    funded = len(transfers(client, admin, account_id))
    for intent, text in MONEY_SCRIPTS:
        reply = say(client, son, text)
        assert reply["intent"] == intent or reply["intent"] == "transfer", (text, reply)
        if reply["kind"] == "confirm":
            assert reply["action"]["fee"] is not None and reply["action"]["date"], text
            assert "手续费" in reply["text"], text
        else:  # not available: said so honestly
            assert reply["kind"] == "answer" and "还没有上线" in reply["text"], (text, reply)
        assert len(transfers(client, admin, account_id)) == funded, text
        say(client, son, "取消")
    assert client.get("/v1/salary-split", headers=son).json()["rule"] is None
    assert client.get("/v1/schedules", headers=son).json()["schedules"] == []
    assert balance(client, son) == "1000.00"


def test_bill_pay_confirms_the_bill_amount_then_pays(
    client: TestClient, people: dict[str, Any]
) -> None:
    son = people["son"]
    client.post("/v1/bills/accounts", json={"biller": "electricity",
                "account_number": "0312345678"}, headers=son)  # fmt: skip
    confirm = say(client, son, "帮我交这个月的电费")
    assert confirm["kind"] == "confirm", confirm
    due = confirm["action"]["amount"]
    assert f"¥{due}" in confirm["text"] and "电费" in confirm["text"]
    assert say(client, son, "确认")["kind"] == "done"
    outstanding = client.get("/v1/bills?biller=electricity", headers=son).json()["bills"]
    assert outstanding == []
    assert wallet(client, son)["balance"] == f"{1000 - float(due):.2f}"


def test_a_late_fee_that_starts_after_the_confirmation_is_never_paid_unseen(
    client: TestClient, people: dict[str, Any], clock: ManualClock
) -> None:
    son = people["son"]
    client.post("/v1/bills/accounts", json={"biller": "electricity",
                "account_number": "0312345678"}, headers=son)  # fmt: skip
    bill = client.get("/v1/bills?biller=electricity", headers=son).json()["bills"][0]
    # 23:50 in Beijing on the due date: the confirmation is the last fee-free minute.
    due = datetime.fromisoformat(bill["due_on"]).replace(tzinfo=BEIJING)
    clock.set((due + timedelta(hours=23, minutes=50)).astimezone(UTC))
    login = {"username": "xiaoming", "password": PASSWORD}  # weeks later: a new login
    token = client.post("/v1/auth/login", json=login).json()["token"]
    son = {"Authorization": f"Bearer {token}"}
    confirm = say(client, son, "帮我交这个月的电费")
    assert confirm["kind"] == "confirm" and confirm["action"]["late_fee"] == "0.00"
    clock.advance(minutes=20)  # past midnight: a day's late fee is now due
    refused = say(client, son, "确认")
    assert refused["kind"] == "refused" and refused["data"]["code"] == "amount_changed"
    assert "账单金额变了" in refused["text"] and "没有扣款" in refused["text"]
    assert balance(client, son) == "1000.00"
    again = say(client, son, "帮我交这个月的电费")
    assert again["kind"] == "confirm" and again["action"]["late_fee"] != "0.00"
    assert say(client, son, "确认")["kind"] == "done"
    paid = float(again["action"]["amount"])
    assert balance(client, son) == f"{1000 - paid:.2f}"


def test_retried_confirmation_pays_once(client: TestClient, people: dict[str, Any]) -> None:
    from sqlalchemy import update

    from anxin.assistant import tables as t

    services = client.app.state.services  # type: ignore[attr-defined]
    son, mum = people["son"], people["mum"]
    say(client, son, "给妈妈转五百")
    before = client.get("/v1/assistant/session", headers=son).json()["state"]
    assert say(client, son, "确认")["kind"] == "done"
    # The answer was lost and the dialogue not saved (a crash): the same "yes" comes again.
    with services.db.write() as conn:
        conn.execute(update(t.sessions).values(state=before))
    again = say(client, son, "确认")
    assert again["kind"] == "done" and again["action"]["replayed"] is True
    assert balance(client, mum) == "500.00" and balance(client, son) == "500.00"


def test_step_up_code_is_asked_and_accepted(client: TestClient, people: dict[str, Any]) -> None:
    son, mum = people["son"], people["mum"]
    force_verdict(client, "challenge")
    say(client, son, "给妈妈转五百")
    held = say(client, son, "确认")
    assert held["kind"] == "ask" and held["slot"] == "code" and "验证码" in held["text"]
    assert "测试原因" in held["text"]
    assert balance(client, mum) == "0.00"
    wrong = say(client, son, "000000")
    assert wrong["kind"] == "ask" and "不对" in wrong["text"]
    done = say(client, son, texted_code(client))
    assert done["kind"] == "done" and balance(client, mum) == "500.00"


def test_cancelling_a_held_payment_gives_the_money_back(
    client: TestClient, people: dict[str, Any]
) -> None:
    son, mum = people["son"], people["mum"]
    force_verdict(client, "challenge")
    say(client, son, "send 500 to mum")
    held = say(client, son, "yes")
    assert held["slot"] == "code" and "code" in held["text"] and "a test reason" in held["text"]
    assert say(client, son, "cancel")["kind"] == "cancelled"
    assert wallet(client, son)["available_balance"] == "1000.00"
    assert balance(client, mum) == "0.00"


def test_a_challenged_bill_waits_for_the_code_then_is_paid(
    client: TestClient, people: dict[str, Any]
) -> None:
    son = people["son"]
    client.post("/v1/bills/accounts", json={"biller": "electricity",
                "account_number": "0312345678"}, headers=son)  # fmt: skip
    force_verdict(client, "challenge")
    due = say(client, son, "交这个月的电费")["action"]["amount"]
    held = say(client, son, "确认")
    assert held["kind"] == "ask" and held["slot"] == "code", held
    assert "验证码" in held["text"] and "测试原因" in held["text"] and "付款" in held["text"]
    assert held["action"]["hold_id"] and held["action"]["payment_id"]
    assert wallet(client, son)["balance"] == "1000.00", "set aside, not paid"
    assert wallet(client, son)["available_balance"] == f"{1000 - float(due):.2f}"
    wrong = say(client, son, "000000" if texted_code(client) != "000000" else "111111")
    assert wrong["kind"] == "ask" and "不对" in wrong["text"]
    done = say(client, son, texted_code(client))
    assert done["kind"] == "done" and "电费" in done["text"], done
    assert client.get("/v1/bills?biller=electricity", headers=son).json()["bills"] == []
    assert wallet(client, son)["balance"] == f"{1000 - float(due):.2f}"
    paid = client.get(f"/v1/bills/payments/{held['action']['payment_id']}", headers=son).json()
    assert paid["status"] == "paid"


def test_cancelling_a_held_top_up_gives_the_money_back(
    client: TestClient, people: dict[str, Any]
) -> None:
    son = people["son"]
    force_verdict(client, "challenge")
    assert say(client, son, "充100话费")["kind"] == "confirm"
    held = say(client, son, "确认")
    assert held["slot"] == "code" and "测试原因" in held["text"]
    assert wallet(client, son)["available_balance"] == "900.00"
    assert say(client, son, "取消")["kind"] == "cancelled"
    assert wallet(client, son)["available_balance"] == "1000.00"
    ended = client.get(f"/v1/bills/payments/{held['action']['payment_id']}", headers=son).json()
    assert ended["status"] == "failed" and "nothing was charged" in ended["error"]["detail"]


def test_a_bill_under_review_is_explained(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    client.post("/v1/bills/accounts", json={"biller": "electricity",
                "account_number": "0312345678"}, headers=son)  # fmt: skip
    force_verdict(client, "review")
    assert say(client, son, "pay my electricity bill")["kind"] == "confirm"
    review = say(client, son, "yes")
    assert review["kind"] == "answer" and "manual review" in review["text"], review
    assert "a test reason" in review["text"]
    assert wallet(client, son)["balance"] == "1000.00"


def test_review_and_block_are_explained(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    force_verdict(client, "review")
    say(client, son, "给妈妈转五百")
    review = say(client, son, "确认")
    assert review["kind"] == "answer" and "人工审核" in review["text"]
    force_verdict(client, "block")
    say(client, son, "给妈妈转一百")
    blocked = say(client, son, "确认")
    assert blocked["kind"] == "refused" and blocked["data"]["code"] == "risk_block"
    assert "安全检查" in blocked["text"]


def test_fx_quote_that_expired_is_requoted_not_guessed(
    client: TestClient, people: dict[str, Any], clock: ManualClock
) -> None:
    son = people["son"]
    first = say(client, son, "把100人民币换成美元")
    clock.advance(seconds=120)
    again = say(client, son, "确认")
    assert again["kind"] == "confirm" and "过期" in again["text"]
    assert again["action"]["quote_id"] != first["action"]["quote_id"]
    assert balance(client, son) == "1000.00"
    assert say(client, son, "确认")["kind"] == "done"
    assert balance(client, son) == "900.00"


def test_a_challenged_exchange_waits_for_the_code_then_is_made(
    client: TestClient, people: dict[str, Any]
) -> None:
    son = people["son"]
    force_verdict(client, "challenge")
    assert say(client, son, "把100人民币换成美元")["kind"] == "confirm"
    held = say(client, son, "确认")
    assert held["kind"] == "ask" and held["slot"] == "code", held
    assert "验证码" in held["text"] and "测试原因" in held["text"]
    assert wallet(client, son)["balance"] == "1000.00", "set aside, not sold"
    assert wallet(client, son)["available_balance"] == "900.00"
    done = say(client, son, texted_code(client))
    assert done["kind"] == "done" and "$13.73" in done["text"], done
    accounts = client.get("/v1/accounts", headers=son).json()["accounts"]
    assert {a["currency"]: a["balance"] for a in accounts} == {"CNY": "900.00", "USD": "13.73"}


def test_freeze_through_the_dialogue(client: TestClient, people: dict[str, Any]) -> None:
    son = people["son"]
    confirm = say(client, son, "冻结我的账户")
    assert confirm["kind"] == "confirm" and "冻结您的安心账户" in confirm["text"]
    assert client.get("/v1/me/freezes", headers=son).json()["account"]["frozen"] is False
    assert say(client, son, "确认")["kind"] == "done"
    assert client.get("/v1/me/freezes", headers=son).json()["account"]["frozen"] is True
    say(client, son, "给妈妈转五百")
    refused = say(client, son, "确认")
    assert refused["kind"] == "refused" and balance(client, son) == "1000.00"
