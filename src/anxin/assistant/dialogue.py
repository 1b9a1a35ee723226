"""The assistant's dialogue: a state machine over plain data, one utterance per step.

    new_state, reply = step(state, "给妈妈转五百", ctx, actions)

`step` decides what to ask, what to confirm and when to act; `actions` (the edge, see
`actions.py`) looks things up and carries out what the user confirmed, through the same
service functions the HTTP API uses. The rules this file keeps:

- missing slots are asked for one at a time; ambiguous payees and bills offer choices;
- nothing that moves money runs before a confirmation that restates it in full (payee,
  amount, fee, date) and an explicit yes; a correction ("不对，是八百") re-confirms;
- "取消" / "cancel" ends any task at any point, and nothing is moved;
- a confirmed action carries an idempotency key made of the session id and the turn that
  asked for the confirmation, so a retried "yes" (a lost answer, a restart) never pays twice;
- a dialogue idle for 30 minutes is dropped rather than resumed.

The state is JSON-friendly (`to_json` / `from_json`) so the edge can store it after every turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from anxin.assistant import wording
from anxin.assistant.faq import FaqHit, find_answer
from anxin.assistant.nlu import Parse, parse
from anxin.assistant.wording import money_text, say

IDLE, FILLING, CHOOSING, CONFIRMING = "idle", "filling", "choosing", "confirming"
VERIFYING = "verifying"  # a held payment waits for the step-up code
IDLE_LIMIT = timedelta(minutes=30)

MONEY_INTENTS = frozenset({"transfer", "bill_pay", "savings_goal", "fx_exchange", "salary_split"})
# Tasks that change something and so are confirmed first: moving money, or freezing a card.
TASK_INTENTS = MONEY_INTENTS | {"card_freeze"}
LOOKUP_INTENTS = frozenset({"balance_query", "transactions_query"})
# Slots a correction may change, in the order they are asked for.
CORRECTABLE = ("payee", "biller", "amount", "currency", "target_currency", "percent", "date",
               "frequency", "day_of_month")  # fmt: skip

_YES = {"确认", "确定", "是", "是的", "好", "好的", "对", "对的", "可以", "行", "嗯",
        "没问题", "同意", "yes", "y", "ok", "okay", "sure", "confirm", "yep", "yeah",
        "go ahead", "yes please", "do it"}  # fmt: skip
_NO = {"取消", "算了", "不要", "不用", "不用了", "不", "否", "别", "不转了", "不要了",
       "停", "no", "n", "cancel", "stop", "nope", "never mind", "nevermind", "forget it",
       "abort"}  # fmt: skip
_WRONG = {"不对", "错了", "不是", "wrong", "that's wrong", "not right", "change it"}
_PUNCT = re.compile(r"[\s,.!?;:，。！？；：、~～…\"'“”]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_QUESTION = re.compile(
    r"[?？]|吗|么|怎|如何|多少|多久|什么|为什么|哪|能不能|可以.*吗"
    r"|\b(how|what|why|when|where|which|can|do|does|is|are)\b",
    re.IGNORECASE,
)
_NOT_BUT_ZH = re.compile(r"不是.*?[，,、\s]\s*(?:而)?是(.+)$")
_NOT_BUT_EN = re.compile(r"\bnot\b[^,]*,\s*(?:but\s+|make it\s+|it'?s\s+)?(.+)$", re.IGNORECASE)
_TASK_SLOTS = {
    "transfer": ("payee", "amount", "currency", "date", "frequency", "day_of_month"),
    "bill_pay": ("biller", "amount", "date"),
    "savings_goal": ("amount", "currency", "date"),
    "fx_exchange": ("amount", "currency", "target_currency"),
    "salary_split": ("percent",),
    "card_freeze": (),
}
_CODE = re.compile(r"\d{4,8}")
_ISO = re.compile(r"\b(cny|rmb|usd|eur|gbp|hkd|jpy|aud|cad|sgd|chf|krw)\b", re.IGNORECASE)
_ORDINALS = {"第一": 0, "第一个": 0, "一": 0, "first": 0, "第二": 1, "第二个": 1, "二": 1,
             "second": 1, "第三": 2, "第三个": 2, "三": 2, "third": 2}  # fmt: skip


# -- what the edge provides ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: str


class Refusal(Exception):
    """The edge could not (or would not) do it; `code` picks the words, `detail` explains."""

    def __init__(self, code: str, detail: str = "", **params: str) -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.params = params


class NeedChoice(Exception):
    """Several things fit (bills of two homes, two months); the user picks one."""

    def __init__(self, slot: str, choices: list[Choice]) -> None:
        super().__init__(slot)
        self.slot = slot
        self.choices = choices


class Actions(Protocol):
    """What the dialogue needs from the services; `actions.py` implements it."""

    def payees(self, said: str) -> list[Choice]:
        """Contacts `said` may mean, one per person, best first."""

    def prepare(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        """The full action to confirm (payee, amount, fee, date...), moving nothing.

        Raises Refusal (cannot be done) or NeedChoice (several things fit)."""

    def execute(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        """Carry out a confirmed action once per `key`; returns facts for the reply."""

    def lookup(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        """Read-only answers: balances, recent transactions."""

    def verify(self, hold_id: str, code: str) -> dict[str, Any]:
        """Pass a held payment's step-up challenge; Refusal("code_wrong"/"code_failed")."""

    def cancel_hold(self, hold_id: str) -> None:
        """The payer gives up a held payment: the money goes back to their wallet."""


@dataclass(frozen=True, slots=True)
class Context:
    """What one turn knows besides the words: the time, the user's language and mode."""

    now: datetime
    language: str | None = None  # the user's chosen language; the utterance decides otherwise
    elder: bool = False


# -- state and replies --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DialogueState:
    session_id: str
    turn: int = 0
    lang: str | None = None  # the language of the last utterance that showed one
    stage: str = IDLE
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    asking: str | None = None
    choosing: str | None = None
    choices: list[dict[str, str]] = field(default_factory=list)
    action: dict[str, Any] | None = None
    confirm_turn: int | None = None
    updated_at: str | None = None  # ISO time of the last turn

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DialogueState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def idle(self) -> DialogueState:
        """No task in progress: the same session, language and turn count."""
        return DialogueState(self.session_id, self.turn, self.lang, updated_at=self.updated_at)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the user is told, with the structure a client needs to render it.

    kind: ask | choose | confirm | done | refused | answer | handover | cancelled
    """

    kind: str
    text: str
    lang: str
    intent: str | None = None
    slot: str | None = None
    choices: list[dict[str, str]] = field(default_factory=list)
    action: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- the step -----------------------------------------------------------------------------


def step(
    state: DialogueState, utterance: str, ctx: Context, actions: Actions
) -> tuple[DialogueState, Reply]:
    """One turn: the state after `utterance` and what to answer."""
    text = utterance.strip()
    lang = detect_language(text) or state.lang or ctx.language or "zh"
    prefix = ""
    if state.stage != IDLE and _expired(state, ctx.now):
        prefix = say("expired", lang, ctx.elder)
        state = state.idle()
    state = replace(state, turn=state.turn + 1, lang=lang, updated_at=ctx.now.isoformat())
    turn = _Turn(state, ctx, actions)
    if not text:
        new_state, reply = state, turn.reply("ask", say("empty", lang, ctx.elder))
    elif _is(text, _NO) and state.stage != IDLE:
        if state.stage == VERIFYING and state.action is not None:
            actions.cancel_hold(state.action["hold_id"])
        new_state, reply = state.idle(), turn.cancelled()
    else:
        handler = {IDLE: turn.idle, FILLING: turn.filling, CHOOSING: turn.choosing,
                   CONFIRMING: turn.confirming, VERIFYING: turn.verifying}[state.stage]  # fmt: skip
        new_state, reply = handler(text)
    if prefix:
        reply = replace(reply, text=prefix + reply.text)
    return new_state, reply


def detect_language(text: str) -> str | None:
    """zh when the text has Chinese characters, en when it has Latin letters only; else None."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return None


def idempotency_key(state: DialogueState) -> str:
    """One key per confirmation asked: a repeated "yes" to the same prompt is the same action."""
    return f"assistant:{state.session_id}:{state.confirm_turn}"


class _Turn:
    """The handlers of one step; they share the state, context and actions."""

    def __init__(self, state: DialogueState, ctx: Context, actions: Actions) -> None:
        self.state, self.ctx, self.actions = state, ctx, actions
        self.lang, self.elder = state.lang or "zh", ctx.elder

    def say(self, key: str, **params: Any) -> str:
        return say(key, self.lang, self.elder, **params)

    def reply(self, kind: str, text: str, **extra: Any) -> Reply:
        return Reply(kind, text, self.lang, intent=self.state.intent, **extra)

    def cancelled(self) -> Reply:
        return self.reply("cancelled", self.say("cancelled"))

    # -- stages ---------------------------------------------------------------------------

    def idle(self, text: str) -> tuple[DialogueState, Reply]:
        state = self.state
        if _is(text, _NO):
            return state, self.reply("cancelled", self.say("nothing_to_cancel"))
        if _is(text, _YES):
            return state, self.reply("answer", self.say("nothing_to_confirm"))
        understood = parse(text, self.ctx.now)
        intent = understood.intent
        hit = find_answer(text, recognised=intent != "unknown")
        asks = intent in TASK_INTENTS and _asks_about(understood, text) and hit.confident
        if intent in ("faq", "unknown") or asks:
            return state, self._faq(hit, intent)
        if intent == "reminder" and {"amount", "payee"} & understood.slots.keys():
            intent = "transfer"  # "每月1号提醒我给妈妈转2000" is a payment schedule
        if intent in TASK_INTENTS:
            started = replace(state, stage=FILLING, intent=intent, slots=dict(understood.slots))
            return _Turn(started, self.ctx, self.actions).advance()
        self.state = replace(state, intent=intent)
        if intent in LOOKUP_INTENTS:
            return state, self._lookup(intent, understood.slots)
        if intent == "reminder":
            return state, self.reply("answer", self.say("reminder_unavailable"))
        what = wording.service_name(intent, self.lang)
        return state, self.reply("answer", self.say("not_available", what=what))

    def filling(self, text: str) -> tuple[DialogueState, Reply]:
        state = self.state
        understood = parse(text, self.ctx.now)
        if _another_task(understood, state.intent):
            return self._switch(text)
        given = _relevant(understood.slots, state.intent)
        asking = state.asking
        if asking == "payee" and "payee" not in given:
            said = _PUNCT.sub("", text)
            if said and not _is(text, _YES):
                given["payee"] = said
        if asking in ("currency", "target_currency") and not given.get(asking):
            code = given.pop("currency", None) or _currency_code(text)
            if code:
                given[asking] = code
        if not given:
            state, reply = self.advance()
            return state, replace(reply, text=self.say("didnt_catch") + reply.text)
        self.state = replace(state, slots=_merge(state.slots, given))
        return self.advance()

    def _switch(self, text: str) -> tuple[DialogueState, Reply]:
        """A new request in the middle of another: the old one is dropped, unpaid."""
        self.state = self.state.idle()
        new_state, reply = self.idle(text)
        return new_state, replace(reply, text=self.say("switched") + reply.text)

    def choosing(self, text: str) -> tuple[DialogueState, Reply]:
        state = self.state
        picked = _pick(text, state.choices)
        if picked is None:
            understood = parse(text, self.ctx.now)
            given = _relevant(understood.slots, state.intent)
            if given:  # a new name or amount instead of a pick
                self.state = replace(state, stage=FILLING, slots=_merge(state.slots, given))
                return self.advance()
            reply = self.reply("choose", self.say("choose_again"), slot=state.choosing,
                               choices=state.choices)  # fmt: skip
            return state, reply
        slot = state.choosing or ""
        slots = {**state.slots, f"{slot}_id": picked["id"], f"{slot}_name": picked["label"]}
        self.state = replace(state, stage=FILLING, slots=slots, choosing=None, choices=[])
        return self.advance()

    def confirming(self, text: str) -> tuple[DialogueState, Reply]:
        state = self.state
        understood = parse(_corrected_part(text), self.ctx.now)
        if _another_task(understood, state.intent):
            return self._switch(text)
        changes = {k: v for k, v in _relevant(understood.slots, state.intent).items()
                   if state.slots.get(k) != v}  # fmt: skip
        if changes:
            self.state = replace(state, stage=FILLING, slots=_merge(state.slots, changes))
            new_state, reply = self.advance()
            return new_state, replace(reply, text=self.say("changed") + reply.text)
        if _is(text, _YES):
            return self._execute()
        if _is(text, _WRONG):
            return state, self.reply("ask", self.say("what_to_change"), action=state.action,
                                     choices=_yes_no(self.lang))  # fmt: skip
        # Restate the whole action again: someone unsure (or an elderly user who repeated the
        # request) must see the payee and amount, not only "say yes or cancel".
        assert state.action is not None  # a dialogue confirms only once its action is ready
        reply = self.reply("confirm", self._confirm_text(state.action), action=state.action,
                           choices=_yes_no(self.lang))  # fmt: skip
        return state, reply

    # -- moving a task forward ------------------------------------------------------------

    def advance(self) -> tuple[DialogueState, Reply]:
        """Resolve the payee, ask for the next missing slot, or prepare and confirm."""
        state = self.state
        intent = state.intent or ""
        slots = _defaults(intent, state.slots)
        state = replace(state, slots=slots)
        self.state = state
        if "payee" in _required(intent, slots) and slots.get("payee") and not slots.get("payee_id"):
            found = self.actions.payees(str(slots["payee"]))
            if not found:
                said = slots.pop("payee")
                state = replace(state, slots=slots, stage=FILLING, asking="payee")
                text = self.say("no_such_payee", said=said) + self.say("ask_payee")
                return state, self.reply("ask", text, slot="payee")
            if len(found) > 1:
                choices = [{"id": c.id, "label": c.label, "reply": c.label} for c in found]
                state = replace(state, stage=CHOOSING, choosing="payee", choices=choices)
                text = self.say("choose_payee", said=slots["payee"])
                return state, self.reply("choose", text, slot="payee", choices=choices)
            slots.update(payee_id=found[0].id, payee_name=found[0].label)
        missing = [name for name in _required(intent, slots) if not slots.get(name)]
        if missing:
            state = replace(state, stage=FILLING, asking=missing[0], slots=slots)
            return state, self.reply("ask", self.say(_ask_key(intent, missing[0], slots)),
                                     slot=missing[0])  # fmt: skip
        try:
            action = self.actions.prepare(intent, slots)
        except NeedChoice as need:
            choices = [{"id": c.id, "label": c.label, "reply": c.label} for c in need.choices]
            state = replace(state, stage=CHOOSING, choosing=need.slot, choices=choices)
            text = self.say(f"choose_{need.slot}")
            return state, self.reply("choose", text, slot=need.slot, choices=choices)
        except Refusal as refusal:
            return state.idle(), self._refused(refusal)
        state = replace(state, stage=CONFIRMING, action=action, asking=None,
                        confirm_turn=state.turn)  # fmt: skip
        self.state = state
        text = self._confirm_text(action)
        return state, self.reply("confirm", text, action=action, choices=_yes_no(self.lang))

    def _execute(self) -> tuple[DialogueState, Reply]:
        state = self.state
        assert state.action is not None
        try:
            facts = self.actions.execute(state.action, idempotency_key(state))
        except Refusal as refusal:
            if refusal.code == "quote_expired":  # a rate is never guessed: quote and ask again
                self.state = replace(state, stage=FILLING)
                new_state, reply = self.advance()
                return new_state, replace(reply, text=self.say("requoted") + reply.text)
            return state.idle(), self._refused(refusal)
        action = {**state.action, **facts}
        held = facts.get("hold_kind")
        if held == "challenge":
            waiting = replace(state, stage=VERIFYING, action=action)
            text = self.say("held_challenge", why=facts.get(f"why_{self.lang}", ""))
            return waiting, self.reply("ask", text, slot="code", action=action)
        if held:
            text = self.say(f"held_{held}", why=facts.get(f"why_{self.lang}", ""))
            return state.idle(), self.reply("answer", text, action=action)
        return state.idle(), self.reply("done", self._done_text(action), action=action)

    def verifying(self, text: str) -> tuple[DialogueState, Reply]:
        state = self.state
        assert state.action is not None
        code = _CODE.search(text)
        if code is None:
            return state, self.reply("ask", self.say("ask_code"), slot="code")
        try:
            facts = self.actions.verify(state.action["hold_id"], code.group())
        except Refusal as refusal:
            if refusal.code == "code_wrong":
                text = self.say("code_wrong", detail=refusal.detail)
                return state, self.reply("ask", text, slot="code")
            return state.idle(), self._refused(refusal)
        action = {**state.action, **facts}
        return state.idle(), self.reply("done", self._done_text(action), action=action)

    def _refused(self, refusal: Refusal) -> Reply:
        params = {"detail": refusal.detail, "biller": "", "available": "", **refusal.params}
        if self.lang == "en" and "biller_en" in params:
            params["biller"] = params["biller_en"]
        text = self.say(f"refused_{refusal.code}", **params)
        return self.reply("refused", text, data={"code": refusal.code, "detail": refusal.detail})

    def _lookup(self, intent: str, slots: Mapping[str, Any]) -> Reply:
        facts = self.actions.lookup(intent, slots)
        lines = facts.get("lines_en" if self.lang == "en" else "lines") or []
        key = "balance" if intent == "balance_query" else "transactions"
        sep = "，" if self.lang == "zh" else "; "
        text = self.say(key, lines=sep.join(lines)) if lines else self.say(f"{key}_none")
        return self.reply("answer", text, data=facts)

    def _faq(self, hit: FaqHit, intent: str) -> Reply:
        data = {"faq_id": hit.entry.id, "confidence": round(hit.confidence, 3)}
        if hit.confident and not hit.entry.handover:
            return Reply("answer", hit.entry.answer(self.lang), self.lang, intent="faq", data=data)
        key = "handover" if hit.confident or intent == "faq" else "unknown_handover"
        return Reply("handover", self.say(key), self.lang, intent=intent, data=data)

    # -- words for actions ----------------------------------------------------------------

    def _confirm_text(self, action: Mapping[str, Any]) -> str:
        return self.say(f"confirm_{action['type']}", **self._words(action))

    def _done_text(self, action: Mapping[str, Any]) -> str:
        return self.say(f"done_{action['type']}", **self._words(action))

    def _words(self, action: Mapping[str, Any]) -> dict[str, Any]:
        """The action's facts as they are said: money with its sign, dates as words."""
        words = dict(action)
        cur = action.get("currency", "CNY")
        for name in ("amount", "fee", "bill_amount", "late_fee"):
            if name in action:
                words[name] = money_text(action[name], cur)
        if action["type"] == "fx":
            words["sell"] = money_text(action["sell_amount"], action["sell_currency"])
            words["buy"] = money_text(action["buy_amount"], action["buy_currency"])
            words["fee"] = money_text(action["fee"], action["buy_currency"])
        if "date" in action:
            words["when"] = self._when(action["date"])
        if "percent" in action:
            words["percent"] = f"{float(action['percent']) * 100:g}%"
        if action.get("repeat"):
            words["repeat"] = self._repeat(action)
        for name in ("what", "effect"):
            if f"{name}_zh" in action:
                words[name] = action[f"{name}_{'en' if self.lang == 'en' else 'zh'}"]
        if "biller_name" in action:
            words["biller"] = action["biller_name_en" if self.lang == "en" else "biller_name"]
        words["goal"] = self.say("goal", goal=action["goal"]) if action.get("goal") else ""
        return words

    def _when(self, iso: str) -> str:
        day = date.fromisoformat(iso)
        if day == self.ctx.now.date():
            return self.say("when_today", date=iso)
        return iso

    def _repeat(self, action: Mapping[str, Any]) -> str:
        frequency = action["repeat"]
        if frequency == "weekly":
            weekday = wording.weekday_name(date.fromisoformat(action["date"]).weekday(), self.lang)
            return self.say("repeat_weekly", weekday=weekday)
        if frequency == "monthly":
            return self.say("repeat_monthly", day=action["day_of_month"])
        if frequency == "once":
            return self.say("repeat_once", date=action["date"])
        return self.say("repeat_daily")


# -- small pure helpers -------------------------------------------------------------------


def _expired(state: DialogueState, now: datetime) -> bool:
    if state.updated_at is None:
        return False
    return now - datetime.fromisoformat(state.updated_at) > IDLE_LIMIT


def _is(text: str, words: set[str]) -> bool:
    """Whether the whole utterance (punctuation aside) is one of `words`."""
    folded = _PUNCT.sub(" ", text.lower()).strip()
    return folded in words or folded.replace(" ", "") in words


def _asks_about(understood: Parse, text: str) -> bool:
    """A question with nothing concrete in it ("转账要多久到账") is for the FAQ."""
    return not _relevant(understood.slots) and bool(_QUESTION.search(text))


def _relevant(slots: Mapping[str, Any], intent: str | None = None) -> dict[str, Any]:
    """The slots that can fill or correct `intent` (any task's, without one)."""
    wanted = _TASK_SLOTS.get(intent or "", CORRECTABLE)
    return {k: v for k, v in slots.items() if k in wanted}


def _another_task(understood: Parse, current: str | None) -> bool:
    """A clear request for a different task ("交电费" while confirming a transfer)."""
    return (
        understood.intent in TASK_INTENTS
        and understood.intent != current
        and understood.source == "pattern"
    )


def _corrected_part(text: str) -> str:
    """What a correction says it should be: "不是五百，是八百" → "八百"; "not 500, 800" → "800"."""
    found = _NOT_BUT_ZH.search(text) or _NOT_BUT_EN.search(text)
    return found.group(1) if found else text


def _merge(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**current, **changes}
    if "payee" in changes and changes["payee"] != current.get("payee"):
        merged.pop("payee_id", None)
        merged.pop("payee_name", None)
    if "biller" in changes or "date" in changes:
        merged.pop("bill_id", None)
        merged.pop("bill_name", None)
    return merged


def _defaults(intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
    """Slots nobody has to say: CNY, unless the exchange is into CNY."""
    filled = dict(slots)
    if intent == "fx_exchange":
        if not filled.get("currency") and filled.get("target_currency") not in (None, "CNY"):
            filled["currency"] = "CNY"
    elif not filled.get("currency"):
        filled["currency"] = "CNY"
    return filled


def _required(intent: str, slots: Mapping[str, Any]) -> tuple[str, ...]:
    if intent == "transfer":
        return ("payee", "amount")
    if intent == "bill_pay":
        return ("biller", "amount") if slots.get("biller") == "mobile" else ("biller",)
    if intent == "savings_goal":
        return ("amount",)
    if intent == "fx_exchange":
        return ("amount", "target_currency", "currency")
    if intent == "salary_split":
        return ("percent",)
    return ()


def _ask_key(intent: str, slot: str, slots: Mapping[str, Any]) -> str:
    if slot == "amount":
        if intent == "savings_goal":
            return "ask_amount_save"
        if intent == "fx_exchange":
            return "ask_amount_fx"
        if intent == "bill_pay" and slots.get("biller") == "mobile":
            return "ask_amount_topup"
    return f"ask_{slot}"


def _currency_code(text: str) -> str | None:
    """A bare ISO code ("into cny"), for when a currency is what was asked for."""
    found = _ISO.search(text)
    if found is None:
        return None
    code = found.group(1).upper()
    return "CNY" if code == "RMB" else code


def _pick(text: str, choices: list[dict[str, str]]) -> dict[str, str] | None:
    """The choice meant by a number ("2", "第二个", "second") or by (part of) its label."""
    folded = _PUNCT.sub("", text.lower())
    index = int(folded) - 1 if folded.isdigit() else _ORDINALS.get(folded)
    if index is not None and 0 <= index < len(choices):
        return choices[index]
    exact = [c for c in choices if c["label"].lower() == folded or c["id"] == text.strip()]
    if len(exact) == 1:
        return exact[0]
    partial = [c for c in choices if folded and folded in c["label"].lower()]
    return partial[0] if len(partial) == 1 else None


def _yes_no(lang: str) -> list[dict[str, str]]:
    if lang == "en":
        return [{"id": "yes", "label": "Yes", "reply": "yes"},
                {"id": "no", "label": "Cancel", "reply": "cancel"}]  # fmt: skip
    return [{"id": "yes", "label": "确认", "reply": "确认"},
            {"id": "no", "label": "取消", "reply": "取消"}]  # fmt: skip
