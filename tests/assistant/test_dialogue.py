"""The dialogue state machine alone, with a fake edge: what is asked, confirmed and done."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.assistant.dialogue import (
    CONFIRMING,
    Choice,
    Context,
    DialogueState,
    Refusal,
    step,
)

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class FakeEdge:
    """Contacts 妈妈 (mum) and two 王哥; records what was executed, with which key."""

    def __init__(self, refuse: str | None = None) -> None:
        self.executed: list[tuple[dict[str, Any], str]] = []
        self.refuse = refuse
        self.verified: list[str] = []
        self.released: list[str] = []

    def payees(self, said: str) -> list[Choice]:
        if said in ("妈妈", "mum", "老妈"):
            return [Choice("c-mum", "妈妈")]
        if said == "王哥":
            return [Choice("c-lao", "老王"), Choice("c-xiao", "小王")]
        return []

    def prepare(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        if intent == "transfer":
            return {"type": "transfer", "payee": slots["payee_name"], "payee_id": slots["payee_id"],
                    "amount": f"{float(slots['amount']):.2f}", "currency": "CNY", "fee": "0.00",
                    "date": slots.get("date") or "2026-11-01"}  # fmt: skip
        if intent == "bill_pay":
            return {"type": "bill", "biller_name": "电费", "biller_name_en": "electricity",
                    "account": "0312345678", "period": "2026-11", "bill_amount": "120.00",
                    "late_fee": "0.00", "amount": "120.00", "currency": "CNY", "fee": "0.00",
                    "date": "2026-11-01"}  # fmt: skip
        if intent == "salary_split":
            return {"type": "salary_split", "percent": slots["percent"], "fee": "0.00",
                    "date": "2026-11-01"}  # fmt: skip
        return {"type": "savings", "amount": f"{float(slots['amount']):.2f}", "currency": "CNY",
                "fee": "0.00", "date": "2026-11-01"}  # fmt: skip

    def execute(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        if self.refuse:
            raise Refusal(self.refuse, "no", available="CNY 12.00")
        self.executed.append((dict(action), key))
        return {"transfer_id": "t1"}

    def lookup(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        return {"lines": ["钱包 CNY 1.00"], "lines_en": ["wallet CNY 1.00"]}

    def verify(self, hold_id: str, code: str) -> dict[str, Any]:
        if code != "123456":
            raise Refusal("code_wrong", "2 tries left")
        self.verified.append(hold_id)
        return {"transfer_id": "t1", "hold_kind": None}

    def cancel_hold(self, hold_id: str) -> None:
        self.released.append(hold_id)


class HoldingEdge(FakeEdge):
    """Every payment waits for a step-up code."""

    def execute(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        super().execute(action, key)
        return {"transfer_id": "t1", "hold_id": "h1", "hold_kind": "challenge",
                "why_zh": "新设备", "why_en": "a new device"}  # fmt: skip


def talk(edge: FakeEdge, *lines: str, elder: bool = False) -> tuple[DialogueState, list[Any]]:
    state, replies = DialogueState("s1"), []
    for line in lines:
        state, reply = step(state, line, Context(NOW, elder=elder), edge)
        replies.append(reply)
    return state, replies


def test_confirm_restates_payee_amount_fee_and_date_then_pays_once() -> None:
    edge = FakeEdge()
    _, (confirm, done) = talk(edge, "给妈妈转五百", "确认")
    assert confirm.kind == "confirm"
    for part in ("妈妈", "¥500.00", "手续费 ¥0.00", "今天（2026-11-01）"):
        assert part in confirm.text
    assert [c["reply"] for c in confirm.choices] == ["确认", "取消"]
    assert done.kind == "done" and len(edge.executed) == 1


def test_nothing_is_executed_before_yes() -> None:
    edge = FakeEdge()
    state, replies = talk(edge, "给妈妈转五百", "不对，是八百", "改成周五")
    assert [r.kind for r in replies] == ["confirm", "confirm", "confirm"]
    assert "¥800.00" in replies[1].text and "2026-11-06" in replies[2].text
    assert state.stage == CONFIRMING and edge.executed == []


def test_slots_are_asked_one_at_a_time() -> None:
    _, replies = talk(FakeEdge(), "转钱", "妈妈", "八百")
    assert [(r.kind, r.slot) for r in replies] == [("ask", "payee"), ("ask", "amount"),
                                                   ("confirm", None)]  # fmt: skip
    assert replies[0].text == "转给谁？" and replies[1].text == "转多少钱？"


def test_english_asks_in_english() -> None:
    _, replies = talk(FakeEdge(), "send money to mum", "800", "yes")
    assert replies[0].text == "How much?" and replies[1].lang == "en"
    assert "¥800.00" in replies[1].text and replies[2].kind == "done"


def test_ambiguous_payee_then_pick_by_number() -> None:
    edge = FakeEdge()
    _, replies = talk(edge, "给王哥转100", "2", "确认")
    assert replies[0].kind == "choose" and [c["label"] for c in replies[0].choices] == [
        "老王",
        "小王",
    ]
    assert "小王" in replies[1].text and edge.executed[0][0]["payee_id"] == "c-xiao"


def test_unknown_payee_is_asked_again() -> None:
    _, replies = talk(FakeEdge(), "给张三转100")
    assert replies[0].kind == "ask" and "张三" in replies[0].text and replies[0].slot == "payee"


@pytest.mark.parametrize("stop", ["取消", "算了", "cancel", "no"])
@pytest.mark.parametrize("at", [1, 2, 3])
def test_cancel_at_any_point_moves_nothing(stop: str, at: int) -> None:
    edge = FakeEdge()
    script = ["给王哥转钱", "老王", "100", "确认"]
    state, replies = talk(edge, *script[:at], stop)
    assert replies[-1].kind == "cancelled" and state.stage == "idle" and edge.executed == []


def test_retried_yes_uses_the_same_key() -> None:
    edge = FakeEdge()
    state, _ = talk(edge, "给妈妈转五百")
    step(state, "确认", Context(NOW), edge)
    step(state, "确认", Context(NOW), edge)  # the same stored state, answered twice
    keys = {key for _, key in edge.executed}
    assert len(keys) == 1 and keys == {f"assistant:s1:{state.confirm_turn}"}


def test_correction_gets_a_new_key() -> None:
    edge = FakeEdge()
    state, _ = talk(edge, "给妈妈转五百")
    corrected, _ = step(state, "不对，是八百", Context(NOW), edge)
    assert corrected.confirm_turn != state.confirm_turn


def test_refusal_is_explained_in_the_users_language() -> None:
    _, zh = talk(FakeEdge("insufficient_funds"), "给妈妈转五百", "确认")
    _, en = talk(FakeEdge("insufficient_funds"), "send 500 to mum", "yes")
    assert zh[-1].kind == "refused" and "余额不足" in zh[-1].text and "CNY 12.00" in zh[-1].text
    assert en[-1].kind == "refused" and "CNY 12.00" in en[-1].text and "Nothing" in en[-1].text


def test_elder_mode_is_short() -> None:
    _, standard = talk(FakeEdge(), "给妈妈转五百")
    _, elder = talk(FakeEdge(), "给妈妈转五百", elder=True)
    assert len(elder[0].text) < len(standard[0].text)
    assert "妈妈" in elder[0].text and "¥500.00" in elder[0].text and "¥0.00" in elder[0].text


def test_state_round_trips_through_json() -> None:
    state, _ = talk(FakeEdge(), "给王哥转100")
    assert DialogueState.from_json(state.to_json()) == state


def test_services_not_available_are_said_honestly() -> None:
    edge = FakeEdge()
    _, replies = talk(edge, "我想贷款5万", "还信用卡3000", "买5000的基金")
    assert all(r.kind == "answer" and "还没有上线" in r.text for r in replies)
    assert edge.executed == []


money_lines = st.lists(
    st.sampled_from(["给妈妈转五百", "不对，是八百", "改成周五", "给王哥转100", "1", "老王", "转钱",
                     "八百", "取消", "no, 800", "存2000", "交电费", "hello", "查余额", "cancel"]),
    max_size=8,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(money_lines)
def test_no_execution_without_a_yes(lines: list[str]) -> None:
    edge = FakeEdge()
    talk(edge, *lines)
    assert edge.executed == []


def test_a_held_payment_asks_for_the_code() -> None:
    edge = HoldingEdge()
    state, replies = talk(edge, "给妈妈转五百", "确认", "是 654321 吗", "123456")
    held, wrong, done = replies[1], replies[2], replies[3]
    assert held.kind == "ask" and held.slot == "code" and "新设备" in held.text
    assert wrong.kind == "ask" and "2 tries left" in wrong.text
    assert done.kind == "done" and edge.verified == ["h1"] and state.stage == "idle"


def test_cancelling_a_held_payment_releases_it() -> None:
    edge = HoldingEdge()
    _, replies = talk(edge, "send 500 to mum", "yes", "cancel")
    assert "a new device" in replies[1].text
    assert replies[2].kind == "cancelled" and edge.released == ["h1"]


@pytest.mark.parametrize("said", ["不是五百，是八百", "not 500, 800", "不对，是八百", "no, 800"])
def test_corrections_take_the_new_value(said: str) -> None:
    _, replies = talk(FakeEdge(), "给妈妈转五百", said)
    assert replies[1].kind == "confirm" and "¥800.00" in replies[1].text


def test_a_new_request_drops_the_pending_one() -> None:
    edge = FakeEdge()
    state, replies = talk(edge, "给妈妈转五百", "交电费")
    assert replies[1].kind == "confirm" and "电费" in replies[1].text
    assert "取消" in replies[1].text and state.intent == "bill_pay" and edge.executed == []


def test_another_task_is_not_taken_for_a_correction() -> None:
    state, replies = talk(FakeEdge(), "给妈妈转五百", "工资的30%存起来")
    assert state.intent == "salary_split" and "30%" in replies[1].text
    assert "payee" not in state.slots


def test_a_number_alone_answers_in_the_users_chosen_language() -> None:
    state, reply = step(DialogueState("s2"), "800", Context(NOW, language="en"), FakeEdge())
    assert reply.lang == "en" and state.lang == "en"


@pytest.mark.parametrize("elder", [False, True])
def test_an_unclear_answer_to_a_confirmation_restates_payee_and_amount(elder: bool) -> None:
    edge = FakeEdge()
    state, (_, again) = talk(edge, "给妈妈转五百", "嗯嗯", elder=elder)
    assert state.stage == CONFIRMING and again.kind == "confirm"
    assert "妈妈" in again.text and "500" in again.text
    assert edge.executed == []


@pytest.mark.parametrize("chat", ["please sing me a song", "tell me a joke about cats"])
def test_chit_chat_the_assistant_cannot_help_with_goes_to_a_person(chat: str) -> None:
    _, (reply,) = talk(FakeEdge(), chat)
    assert reply.kind == "handover"
